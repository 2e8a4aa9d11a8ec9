// The Home page: signs in, reads GET /v1/home, draws every section for the
// caller's profile, and refreshes every 60 s with If-None-Match so an
// unchanged Home costs a 304. Every figure carries data-metric (its path in
// the payload) and data-value (the raw figure): the browser tests compare
// the screen with the API through them.
import "./style.css";
import { LOCALES, pick, t as translate, type Key, type Locale } from "./i18n";
import type { Comparison, Config, Home } from "./types";
import * as auth from "./auth";
import * as charts from "./charts";
import * as geo from "./map";
import { icon } from "./icons";

const REFRESH_MS = 60_000;
const LANG = "cch.lang";

let locale: Locale = pick(localStorage.getItem(LANG), navigator.languages ?? [navigator.language]);
let cfg: Config;
let home: Home | null = null;
let etag: string | null = null;
let lastError: { kind: "network" | "server"; status?: number } | null = null;
let timer: number | undefined;

const t = (k: Key, v?: Record<string, string | number>) => translate(locale, k, v);

// ---------------------------------------------------------------- DOM helper

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v as (e: Event) => void);
    else if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// fig is one figure on screen with its testing hooks.
function fig(metric: string, value: number | string | boolean | null, text: string, cls = "fig"): HTMLElement {
  return h("span", { class: cls, "data-metric": metric, "data-value": value === null ? "null" : String(value) }, text);
}

// ---------------------------------------------------------------- formatting

const num = (n: number) => new Intl.NumberFormat(locale).format(n);
const pct = (p: number, digits = 1) =>
  new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(p);
const signedPct = (p: number) =>
  new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(p / 100);
const signed = (n: number) => new Intl.NumberFormat(locale, { signDisplay: "exceptZero" }).format(n);

// localDate formats a YYYY-MM-DD calendar date: it is already the
// organization's date, so it is shown as is (UTC in, UTC out).
function localDate(d: string, opts: Intl.DateTimeFormatOptions = { dateStyle: "medium" }): string {
  return new Intl.DateTimeFormat(locale, { ...opts, timeZone: "UTC" }).format(new Date(d + "T00:00:00Z"));
}

// instant formats a moment in the organization's time zone.
function instant(iso: string, tz: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: tz }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
  }
}

function ago(iso: string): string {
  const secs = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const a = Math.abs(secs);
  if (a < 45) return rtf.format(0, "second");
  if (a < 3600) return rtf.format(Math.round(secs / 60), "minute");
  if (a < 86400) return rtf.format(Math.round(secs / 3600), "hour");
  return rtf.format(Math.round(secs / 86400), "day");
}

// ---------------------------------------------------------------- sections

function card(id: string, title: string, sub: Child, ...body: Child[]): HTMLElement {
  const hid = id + "-title";
  return h("section", { class: "card " + id, id, "aria-labelledby": hid, "data-section": id },
    h("header", { class: "card-head" }, h("h2", { id: hid }, title), sub ? h("p", { class: "sub" }, sub) : null),
    ...body);
}

function link(path: string): string {
  return (cfg.platform ?? "/platform").replace(/\/$/, "") + "/" + path;
}

const STEP_PLACE: Record<string, string> = {
  connect_integration: "settings/integrations",
  import_contacts: "contacts/import",
  enable_channel: "settings/channels",
  invite_users: "settings/users",
  send_first_message: "campaigns/new",
};

function startHere(p: Home): HTMLElement {
  const done = p.firstSteps.filter((s) => s.done).length;
  const canAct = p.firstSteps.some((s) => s.canExecute);
  const list = h("ol", { class: "steps" }, ...p.firstSteps.map((s, i) => {
    const name = t(("step." + s.step) as Key);
    const state = h("span", { class: "step-state " + (s.done ? "done" : "todo") },
      h("span", { class: "tick", "aria-hidden": "true" }, s.done ? "✓" : String(i + 1)),
      h("span", { class: "visually-hidden" }, s.done ? t("start.done") : t("start.todo")));
    const hook = h("span", { hidden: true, "data-metric": `firstSteps.${i}.done`, "data-value": String(s.done) });
    const action = s.canExecute
      ? h("a", { class: "btn " + (s.done ? "ghost" : "primary"), href: link(STEP_PLACE[s.step] ?? ""), "data-step-action": s.step },
        s.done ? t("step.review") : t("step.go"), h("span", { class: "visually-hidden" }, ": " + name))
      : null;
    return h("li", { class: "step" + (s.done ? " is-done" : ""), "data-step": s.step, "data-can-execute": String(s.canExecute) },
      state, h("span", { class: "step-name" }, name), hook, action);
  }));
  const bar = h("div", { class: "meter thin", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": p.firstSteps.length, "aria-valuenow": done, "aria-label": t("start.progress", { done, total: p.firstSteps.length }) },
    h("span", { class: "fill", style: `width:${(100 * done) / Math.max(1, p.firstSteps.length)}%` }));
  return card("start", t("start.title"), t("start.intro"),
    h("p", { class: "progress-text" }, t("start.progress", { done, total: p.firstSteps.length })), bar, list,
    canAct ? null : h("p", { class: "note" }, t("start.readOnly")));
}

const LANE_COLORS: Record<string, string> = { bot: "#6d28d9", human: "#2f5fd0", expert_agent: "#0f766e" };

function meter(used: number, included: number, label: string): HTMLElement {
  const over = used > included;
  const share = included > 0 ? Math.min(1, used / included) : used > 0 ? 1 : 0;
  const m = h("div", { class: "meter" + (over ? " over" : ""), role: "progressbar", "aria-label": label,
    "aria-valuemin": 0, "aria-valuemax": included, "aria-valuenow": Math.min(used, included) },
  h("span", { class: "fill", style: `width:${share * 100}%` }));
  if (over) m.append(h("span", { class: "over-mark", style: `width:${Math.min(50, ((used - included) / Math.max(1, used)) * 100)}%` }));
  return m;
}

function activePlan(p: Home): HTMLElement {
  const a = p.activePlan;
  const iz = a.interactionz;
  const lanes = Object.entries(a.interactionzByLane).sort((x, y) => y[1] - x[1]);
  const laneTotal = lanes.reduce((s, [, n]) => s + n, 0);
  const laneBar = laneTotal > 0
    ? h("div", { class: "stack", "aria-hidden": "true" }, ...lanes.map(([l, n]) =>
      h("span", { style: `width:${(100 * n) / laneTotal}%;background:${LANE_COLORS[l] ?? "#6b7280"}` })))
    : null;
  const laneList = laneTotal > 0
    ? h("ul", { class: "legend" }, ...lanes.map(([l, n]) => h("li", {},
      h("span", { class: "swatch", style: `background:${LANE_COLORS[l] ?? "#6b7280"}`, "aria-hidden": "true" }),
      h("span", {}, t(("lane." + l) as Key) ?? l), " ",
      fig(`activePlan.interactionzByLane.${l}`, n, num(n), "fig strong"))))
    : h("p", { class: "empty small" }, t("plan.noLanes"));

  const izBlock = h("div", { class: "plan-block interactionz" },
    h("h3", {}, t("plan.interactionz")),
    h("p", { class: "sub" }, t("plan.interactionz.help")),
    h("div", { class: "big-row" },
      h("div", {}, h("span", { class: "label" }, t("plan.cycleUse")),
        h("span", { class: "big" }, fig("activePlan.interactionz.cycle", iz.cycle, num(iz.cycle))),
        h("span", { class: "of" }, t("plan.of", { n: "" }).trim(), " ", fig("activePlan.interactionz.included", iz.included, num(iz.included)))),
      h("div", {}, h("span", { class: "label" }, t("plan.today")),
        h("span", { class: "mid" }, fig("activePlan.interactionz.today", iz.today, num(iz.today))))),
    meter(iz.cycle, iz.included, t("plan.interactionz")),
    iz.overage > 0
      ? h("p", { class: "overage", role: "status" }, h("strong", {}, t("plan.overage") + ": "),
        fig("activePlan.interactionz.overage", iz.overage, t("plan.overageOf", { n: num(iz.overage) })))
      : h("span", { hidden: true, "data-metric": "activePlan.interactionz.overage", "data-value": "0" }),
    h("h4", {}, t("plan.byLane")), laneBar, laneList);

  const seats = a.seats;
  const seatBlock = h("div", { class: "plan-block seats" },
    h("h3", {}, t("plan.seats")),
    h("p", { class: "big-line" }, h("span", { class: "big" }, fig("activePlan.seats.used", seats.used, num(seats.used))), " ",
      h("span", { class: "of" }, t("plan.seatsUsed", { n: "" }).replace(/\s+$/, ""), " ", fig("activePlan.seats.licensed", seats.licensed, num(seats.licensed)))),
    meter(seats.used, seats.licensed, t("plan.seats")),
    seats.overage > 0 ? h("p", { class: "overage" }, h("strong", {}, t("plan.overage") + ": "), fig("activePlan.seats.overage", seats.overage, t("plan.overageOf", { n: num(seats.overage) })))
      : h("span", { hidden: true, "data-metric": "activePlan.seats.overage", "data-value": "0" }),
    h("h3", { class: "spaced" }, t("plan.cycleDates")),
    h("p", { class: "dates" }, fig("activePlan.cycle.start", a.cycle.start, localDate(a.cycle.start)), " – ", fig("activePlan.cycle.end", a.cycle.end, localDate(a.cycle.end))));

  const pkgs = a.channelPackages;
  const pkgBlock = h("div", { class: "plan-block packages" },
    h("h3", {}, t("plan.packages")),
    pkgs.length === 0 ? h("p", { class: "empty small" }, t("plan.noPackages")) :
      h("ul", { class: "packages-list" }, ...pkgs.map((k, i) => h("li", { "data-channel": k.channel },
        h("div", { class: "pkg-head" }, h("span", { class: "pkg-name" }, t(("channel." + k.channel) as Key) || k.channel),
          h("span", { class: "pkg-figs" }, fig(`activePlan.channelPackages.${i}.cycle`, k.cycle, num(k.cycle)), " / ",
            fig(`activePlan.channelPackages.${i}.volume`, k.volume, num(k.volume)))),
        meter(k.cycle, k.volume, t(("channel." + k.channel) as Key) || k.channel),
        h("div", { class: "pkg-foot" }, h("span", {}, t("plan.today") + ": ", fig(`activePlan.channelPackages.${i}.today`, k.today, num(k.today))),
          k.overage > 0 ? h("span", { class: "overage-chip" }, t("plan.overage") + ": ", fig(`activePlan.channelPackages.${i}.overage`, k.overage, num(k.overage)))
            : h("span", { hidden: true, "data-metric": `activePlan.channelPackages.${i}.overage`, "data-value": "0" }))))));

  return card("plan", t("plan.title"), h("span", {}, h("strong", { "data-metric": "activePlan.name", "data-value": a.name }, a.name), " · ",
    t("plan.cycle", { start: localDate(a.cycle.start), end: localDate(a.cycle.end) })),
  h("div", { class: "plan-grid" }, izBlock, seatBlock, pkgBlock));
}

const QA_PLACE: Record<string, string> = {
  send_messages: "campaigns/new", manage_contacts: "contacts", handle_tickets: "tickets", serve_customers: "inbox",
  enable_channel: "settings/channels", invoices: "billing/invoices",
};

function quickActions(p: Home): HTMLElement | null {
  if (!p.quickActions || p.quickActions.length === 0) return null;
  return card("quick", t("quick.title"), null,
    h("ul", { class: "qa" }, ...p.quickActions.map((q) => h("li", {},
      h("a", { class: "qa-btn", href: link(QA_PLACE[q] ?? q), "data-quick-action": q },
        h("span", { class: "qa-icon", "aria-hidden": "true" }, icon(q)),
        h("span", { class: "qa-text" }, h("span", { class: "qa-name" }, t(("qa." + q) as Key)),
          h("span", { class: "qa-desc" }, t(("qa." + q + ".d") as Key))))))));
}

function comparison(key: "contactsReached" | "contactsInCommercial" | "contactsInSupport", c: Comparison): HTMLElement {
  const base = "metrics." + key;
  const dir = c.change > 0 ? "up" : c.change < 0 ? "down" : "flat";
  const mark = dir === "up" ? "▲" : dir === "down" ? "▼" : "■";
  return h("div", { class: "kpi", "data-kpi": key },
    h("h3", {}, t(("m." + key) as Key)),
    h("p", { class: "kpi-value" }, fig(base + ".current", c.current, num(c.current))),
    h("p", { class: "delta " + dir },
      h("span", { class: "arrow", "aria-hidden": "true" }, mark),
      h("span", { class: "visually-hidden" }, t(dir === "up" ? "m.up" : dir === "down" ? "m.down" : "m.flat") + ": "),
      fig(base + ".change", c.change, signed(c.change)), " ",
      h("span", { class: "pct" }, "(", fig(base + ".changePercent", c.changePercent, c.changePercent === null ? "—" : signedPct(c.changePercent)), ")")),
    h("p", { class: "prev" }, t("m.previous", { n: "" }).trim(), " ", fig(base + ".previous", c.previous, num(c.previous))));
}

function metricsSection(p: Home): HTMLElement {
  const m = p.metrics;
  const kpis = h("div", { class: "kpis" },
    h("div", { class: "kpi", "data-kpi": "contactBase" }, h("h3", {}, t("m.contactBase")),
      h("p", { class: "kpi-value" }, fig("metrics.contactBase", m.contactBase, num(m.contactBase))),
      h("p", { class: "prev" }, t("m.contactBase.d"))),
    comparison("contactsReached", m.contactsReached),
    comparison("contactsInCommercial", m.contactsInCommercial),
    comparison("contactsInSupport", m.contactsInSupport));

  // Daily volume: the chart, and the same figures as a table for screen
  // readers (and the tests' hooks).
  const days = m.dailyVolume;
  const anyVolume = days.some((d) => d.messagesSent + d.contactsInCommercial + d.contactsInSupport > 0);
  const chartEl = h("div", { class: "chart", "data-chart": "dailyVolume" });
  const table = h("table", {}, h("caption", {}, t("m.dailyVolume.table")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("m.date")), h("th", { scope: "col" }, t("s.messagesSent")),
      h("th", { scope: "col" }, t("s.contactsInCommercial")), h("th", { scope: "col" }, t("s.contactsInSupport")))),
    h("tbody", {}, ...days.map((d, i) => h("tr", {},
      h("th", { scope: "row" }, fig(`metrics.dailyVolume.${i}.date`, d.date, localDate(d.date))),
      h("td", {}, fig(`metrics.dailyVolume.${i}.messagesSent`, d.messagesSent, num(d.messagesSent))),
      h("td", {}, fig(`metrics.dailyVolume.${i}.contactsInCommercial`, d.contactsInCommercial, num(d.contactsInCommercial))),
      h("td", {}, fig(`metrics.dailyVolume.${i}.contactsInSupport`, d.contactsInSupport, num(d.contactsInSupport)))))));
  const volume = h("div", { class: "panel volume", "data-panel": "dailyVolume" },
    h("h3", {}, t("m.dailyVolume")),
    anyVolume ? h("ul", { class: "legend" }, ...([["messages", "s.messagesSent"], ["commercial", "s.contactsInCommercial"], ["support", "s.contactsInSupport"]] as const).map(([c, k]) =>
      h("li", {}, h("span", { class: "swatch line-" + c, style: `background:${charts.COLORS[c]}`, "aria-hidden": "true" }), h("span", {}, t(k))))) : null,
    anyVolume ? chartEl : h("p", { class: "empty" }, t("empty.volume")), h("div", { class: "visually-hidden" }, table));

  const ad = m.attendanceDistribution;
  const adTotal = ad.commercial + ad.support;
  const donutEl = h("div", { class: "chart donut", "data-chart": "attendanceDistribution" });
  const dist = h("div", { class: "panel distribution", "data-panel": "attendanceDistribution" },
    h("h3", {}, t("m.attendanceDistribution")),
    adTotal > 0 ? h("div", { class: "donut-wrap" }, donutEl, h("div", { class: "donut-center", "aria-hidden": "true" }, num(adTotal))) : h("p", { class: "empty" }, t("empty.distribution")),
    h("ul", { class: "legend big" },
      h("li", {}, h("span", { class: "swatch", style: `background:${charts.COLORS.commercial}`, "aria-hidden": "true" }), h("span", {}, t("m.commercial")),
        fig("metrics.attendanceDistribution.commercial", ad.commercial, num(ad.commercial), "fig strong"),
        h("span", { class: "share" }, fig("metrics.attendanceDistribution.commercialShare", ad.commercialShare, ad.commercialShare === null ? "—" : pct(ad.commercialShare)))),
      h("li", {}, h("span", { class: "swatch", style: `background:${charts.COLORS.support}`, "aria-hidden": "true" }), h("span", {}, t("m.support")),
        fig("metrics.attendanceDistribution.support", ad.support, num(ad.support), "fig strong"),
        h("span", { class: "share" }, fig("metrics.attendanceDistribution.supportShare", ad.supportShare, ad.supportShare === null ? "—" : pct(ad.supportShare))))));

  // Geography: the map and the ranked list (unknown included).
  const states = new Map<string, geo.MapState>();
  m.geoDistribution.forEach((g, i) => { if (g.state !== "unknown") states.set(g.state.toUpperCase(), { uf: g.state, value: g.interactions, index: i }); });
  const geoTotal = m.geoDistribution.reduce((s, g) => s + g.interactions, 0);
  const maxGeo = Math.max(1, ...m.geoDistribution.map((g) => g.interactions));
  const rank = h("ol", { class: "rank", "aria-label": t("m.geo.rank"), tabindex: 0 }, ...m.geoDistribution.map((g, i) => h("li", { "data-state": g.state },
    h("span", { class: "rank-name" }, g.state === "unknown" ? t("m.geo.unknown") : `${geo.stateName(g.state)} (${g.state})`),
    h("span", { class: "rank-bar", "aria-hidden": "true" }, h("span", { style: `width:${(100 * g.interactions) / maxGeo}%` })),
    fig(`metrics.geoDistribution.${i}.interactions`, g.interactions, num(g.interactions), "fig strong"),
    h("span", { hidden: true, "data-metric": `metrics.geoDistribution.${i}.state`, "data-value": g.state }))));
  const geoPanel = h("div", { class: "panel geo", "data-panel": "geoDistribution" },
    h("h3", {}, t("m.geo")), h("p", { class: "sub" }, t("m.geo.d")),
    geoTotal > 0
      ? h("div", { class: "geo-grid" },
        h("figure", { class: "map-wrap" },
          geo.draw(states, t("m.geo"), (name, v) => `${name}: ${num(v)} ${t("m.interactions")}`),
          h("figcaption", { class: "map-legend" }, h("span", {}, t("m.geo.legendLow")),
            h("span", { class: "ramp", "aria-hidden": "true", style: `background:linear-gradient(90deg, ${geo.LEGEND.low}, ${geo.LEGEND.high})` }),
            h("span", {}, t("m.geo.legendHigh")))),
        rank)
      : h("p", { class: "empty" }, t("empty.geo")));

  const pa = m.pendingAttendances;
  const today = h("div", { class: "panel tickets", "data-panel": "ticketsOpenedToday" },
    h("h3", {}, t("m.ticketsOpenedToday")),
    h("p", { class: "kpi-value" }, fig("metrics.ticketsOpenedToday", m.ticketsOpenedToday, num(m.ticketsOpenedToday))));
  const pendMax = Math.max(1, pa.new, pa.waiting, pa.inProgress);
  const pending = h("div", { class: "panel pending", "data-panel": "pendingAttendances" },
    h("h3", {}, t("m.pending")),
    h("p", { class: "kpi-value" }, fig("metrics.pendingAttendances.total", pa.total, num(pa.total))),
    pa.total === 0 ? h("p", { class: "empty small" }, t("empty.pending")) : null,
    h("ul", { class: "bars" }, ...(["new", "waiting", "inProgress"] as const).map((k) => h("li", {},
      h("span", { class: "bar-label" }, t(("m.pending." + k) as Key)),
      h("span", { class: "bar", "aria-hidden": "true" }, h("span", { class: "bar-" + k, style: `width:${(100 * pa[k]) / pendMax}%` })),
      fig("metrics.pendingAttendances." + k, pa[k], num(pa[k]), "fig strong")))));
  const s = m.satisfaction;
  const idx = s.index;
  const mood = idx === null ? "none" : idx > 20 ? "good" : idx < -20 ? "bad" : "mid";
  const satisfaction = h("div", { class: "panel satisfaction", "data-panel": "satisfaction" },
    h("h3", {}, t("m.satisfaction")), h("p", { class: "sub" }, t("m.satisfaction.d")),
    h("p", { class: "kpi-value mood-" + mood }, fig("metrics.satisfaction.index", idx, idx === null ? "—" : new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(idx))),
    idx === null ? h("p", { class: "empty small" }, t("empty.satisfaction")) : null,
    h("ul", { class: "sat" },
      h("li", { class: "pos" }, icon("positive", 22), h("span", {}, t("m.positive")), fig("metrics.satisfaction.positive", s.positive, num(s.positive), "fig strong")),
      h("li", { class: "neu" }, icon("neutral", 22), h("span", {}, t("m.neutral")), fig("metrics.satisfaction.neutral", s.neutral, num(s.neutral), "fig strong")),
      h("li", { class: "neg" }, icon("negative", 22), h("span", {}, t("m.negative")), fig("metrics.satisfaction.negative", s.negative, num(s.negative), "fig strong"))),
    h("span", { hidden: true, "data-metric": "metrics.satisfaction.classified", "data-value": String(s.classified) }));

  const isNew = p.asOf === null || (m.contactBase === 0 && !anyVolume && geoTotal === 0);
  const sec = card("metrics", t("metrics.title"), t("metrics.period"),
    isNew ? h("p", { class: "banner info", role: "note" }, t("empty.newOrg")) : null,
    kpis,
    h("div", { class: "row two-one" }, volume, dist),
    h("div", { class: "row two-one" + (geoTotal > 0 ? "" : " top") }, geoPanel, h("div", { class: "stack-col" }, today, pending, satisfaction)));

  // Charts are drawn once the section is in the document (they measure it).
  queueMicrotask(() => {
    if (anyVolume) {
      charts.volume(chartEl, days, (d) => localDate(d, { day: "2-digit", month: "2-digit" }), num,
        { messages: t("s.messagesSent"), commercial: t("s.contactsInCommercial"), support: t("s.contactsInSupport"), description: t("m.dailyVolume") });
    }
    if (adTotal > 0) {
      charts.donut(donutEl, [
        { name: t("m.commercial"), value: ad.commercial, color: charts.COLORS.commercial },
        { name: t("m.support"), value: ad.support, color: charts.COLORS.support },
      ], (x) => pct(x), t("m.attendanceDistribution"));
    }
  });
  return sec;
}

// ---------------------------------------------------------------- page frame

function langSwitch(): HTMLElement {
  const sel = h("select", { id: "lang", "aria-label": t("language"),
    onchange: (e: Event) => { setLocale((e.target as HTMLSelectElement).value as Locale); } },
  ...LOCALES.map((l) => h("option", { value: l, selected: l === locale }, translate(l, "langName")))) as HTMLSelectElement;
  return h("label", { class: "lang" }, h("span", { class: "visually-hidden" }, t("language")), sel);
}

function topbar(p: Home | null): HTMLElement {
  return h("header", { class: "topbar" },
    h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }, "◆"), h("span", {}, "Customer Cloud")),
    h("div", { class: "who" }, p ? h("span", { class: "org", "data-metric": "organization", "data-value": p.organization }, t("organization") + ": ", h("strong", {}, p.organization)) : null,
      p ? h("span", { class: "chip", "data-metric": "profile", "data-value": p.profile }, t(("profile." + p.profile) as Key)) : null),
    h("div", { class: "tools" }, langSwitch(),
      h("button", { type: "button", class: "btn ghost", id: "signout", onclick: () => { auth.forget(); void auth.signIn(cfg); } }, t("signOut"))));
}

function status(p: Home): HTMLElement {
  const asOf = p.asOf;
  return h("div", { class: "status", role: "status" },
    h("h1", {}, t("title")),
    h("p", { class: "updated" },
      asOf ? h("span", { "data-metric": "asOf", "data-value": asOf, title: instant(asOf, p.timeZone) }, t("updated", { ago: ago(asOf) }), " · ", t("asOfAt", { date: instant(asOf, p.timeZone) }))
        : h("span", { "data-metric": "asOf", "data-value": "null" }, t("notYet")),
      " ", h("button", { type: "button", class: "btn ghost small", id: "refresh", onclick: () => void load() }, "↻ ", t("refresh"))),
    lastError ? h("p", { class: "banner warn", role: "alert" }, t("error.stale", { ago: asOf ? ago(asOf) : "—" }), " ",
      h("button", { type: "button", class: "btn small", onclick: () => void load() }, t("error.retry"))) : null);
}

function mount(...nodes: Child[]): void {
  charts.disposeAll();
  const root = document.getElementById("app")!;
  root.replaceChildren(...nodes.filter((n): n is Node => n instanceof Node));
}

function render(): void {
  document.documentElement.lang = locale;
  document.title = t("title") + " · Customer Cloud";
  const p = home!;
  const qa = quickActions(p);
  mount(h("a", { class: "skip", href: "#main" }, t("skip")), topbar(p),
    h("main", { id: "main", "data-profile": p.profile },
      status(p),
      startHere(p),
      qa,
      activePlan(p),
      metricsSection(p)));
}

function renderMessage(kind: "noAccess" | "error", detail?: string): void {
  document.documentElement.lang = locale;
  const title = kind === "noAccess" ? t("noAccess.title") : t("error.title");
  mount(h("a", { class: "skip", href: "#main" }, t("skip")), topbar(null),
    h("main", { id: "main", class: "message", "data-page": kind === "noAccess" ? "no-access" : "error" },
      h("div", { class: "card message-card" },
        h("div", { class: "message-icon", "aria-hidden": "true" }, icon(kind === "noAccess" ? "lock" : "alert", 44)),
        h("h1", {}, title),
        h("p", {}, kind === "noAccess" ? t("noAccess.body") : detail ?? ""),
        kind === "error" ? h("button", { type: "button", class: "btn primary", id: "retry", onclick: () => void load() }, t("error.retry")) : null)));
}

function setLocale(l: Locale): void {
  locale = l;
  localStorage.setItem(LANG, l);
  if (home) render();
  else if (lastError) renderMessage("error", errorText());
  document.getElementById("lang")?.focus();
}

function errorText(): string {
  return lastError?.kind === "network" ? t("error.network") : t("error.server", { status: lastError?.status ?? "?" });
}

function ready(state: string): void {
  document.documentElement.dataset.state = state;
}

// ---------------------------------------------------------------- data

// load reads the Home. With an ETag in hand it asks If-None-Match: a 304
// keeps what is drawn and only updates "updated … ago".
async function load(): Promise<void> {
  const tok = auth.token();
  if (!tok) { await auth.signIn(cfg); return; }
  const headers: Record<string, string> = { Authorization: "Bearer " + tok };
  if (etag && home) headers["If-None-Match"] = etag;
  let r: Response;
  try {
    r = await fetch(cfg.api.replace(/\/$/, "") + "/v1/home", { headers, cache: "no-store" });
  } catch {
    return failed({ kind: "network" });
  }
  performance.mark("home:answer");
  if (r.status === 401) { await auth.signIn(cfg); return; }
  if (r.status === 403) { home = null; etag = null; renderMessage("noAccess"); ready("no-access"); return; }
  if (r.status === 304 && home) {
    // Nothing changed: only the "updated … ago" line is redrawn.
    lastError = null;
    document.querySelector("main .status")?.replaceWith(status(home));
    ready("ready");
    document.documentElement.dataset.lastStatus = "304";
    return;
  }
  if (!r.ok) return failed({ kind: "server", status: r.status });
  let body: Home;
  try { body = (await r.json()) as Home; } catch { return failed({ kind: "server", status: r.status }); }
  home = body;
  etag = r.headers.get("ETag");
  lastError = null;
  render();
  // Drawn: the charts render synchronously; the next frame is on screen.
  requestAnimationFrame(() => {
    performance.mark("home:drawn");
    performance.measure("home:draw", "home:answer", "home:drawn");
    document.documentElement.dataset.lastStatus = String(r.status);
    ready("ready");
  });
}

function failed(e: { kind: "network" | "server"; status?: number }): void {
  lastError = e;
  if (home) render(); // keep the figures, say they are stale, offer a retry
  else renderMessage("error", errorText());
  ready("error");
}

function schedule(): void {
  window.clearInterval(timer);
  timer = window.setInterval(() => { if (document.visibilityState === "visible") void load(); }, REFRESH_MS);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible" && home) void load(); });
}

async function main(): Promise<void> {
  document.documentElement.lang = locale;
  try {
    const r = await fetch("/config.json", { cache: "no-store" });
    cfg = r.ok ? ((await r.json()) as Config) : { api: "", auth: "local" };
  } catch {
    cfg = { api: "", auth: "local" };
  }
  if (!(await auth.completeSignIn(cfg))) { await auth.signIn(cfg); return; }
  let pending = 0;
  window.addEventListener("resize", () => { window.clearTimeout(pending); pending = window.setTimeout(charts.resizeAll, 150); });
  await load();
  schedule();
}

void main();
