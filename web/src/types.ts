// The shapes of GET /v1/home (docs/openapi.yaml, shared/home/payload.go).

export interface Step { step: string; done: boolean; canExecute: boolean }
export interface Counted { today: number; cycle: number; included: number; overage: number }
export interface Seats { used: number; licensed: number; overage: number }
export interface Package { channel: string; today: number; cycle: number; volume: number; overage: number }
export interface ActivePlan {
  name: string;
  cycle: { start: string; end: string };
  interactionz: Counted;
  interactionzByLane: Record<string, number>;
  seats: Seats;
  channelPackages: Package[];
}
export interface Comparison { current: number; previous: number; change: number; changePercent: number | null }
export interface DayVolume { date: string; messagesSent: number; contactsInCommercial: number; contactsInSupport: number }
export interface Metrics {
  contactBase: number;
  contactsReached: Comparison;
  contactsInCommercial: Comparison;
  contactsInSupport: Comparison;
  dailyVolume: DayVolume[];
  attendanceDistribution: { commercial: number; support: number; commercialShare: number | null; supportShare: number | null };
  geoDistribution: { state: string; interactions: number }[];
  ticketsOpenedToday: number;
  pendingAttendances: { new: number; waiting: number; inProgress: number; total: number };
  satisfaction: { positive: number; neutral: number; negative: number; classified: number; index: number | null };
}
export interface Home {
  organization: string;
  profile: string;
  timeZone: string;
  today: string;
  asOf: string | null;
  firstSteps: Step[];
  activePlan: ActivePlan;
  quickActions?: string[];
  metrics: Metrics;
}

// Config is /config.json, written next to the page by whoever hosts it:
// the local runner serves one for its sign-in page; a deployment uploads
// one naming the API and the OpenID Connect issuer (docs/DEPLOY.md).
export interface Config {
  api: string; // the API's origin ("" = the page's own)
  auth: "local" | "oidc";
  signIn?: string; // local: the runner's sign-in page
  issuer?: string; // oidc: the issuer the API's JWT authorizer trusts
  clientId?: string; // oidc: the app client
  scope?: string;
  platform?: string; // where the first steps and quick actions lead
}
