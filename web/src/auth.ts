// Sign-in. Locally the runner's sign-in page mints a token and hands it
// back in the URL fragment (#access_token=…). In AWS the page runs the
// OpenID Connect authorization code flow with PKCE against the issuer the
// API's JWT authorizer trusts (a Cognito user pool) and sends the ID token,
// which carries the organization and profile claims.
import type { Config } from "./types";

const TOKEN = "cch.token";
const PKCE = "cch.pkce";

export function token(): string | null {
  return sessionStorage.getItem(TOKEN);
}

export function forget(): void {
  sessionStorage.removeItem(TOKEN);
}

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(n: number): string {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

interface Discovery { authorization_endpoint: string; token_endpoint: string; end_session_endpoint?: string }

async function discover(cfg: Config): Promise<Discovery> {
  const r = await fetch(cfg.issuer!.replace(/\/$/, "") + "/.well-known/openid-configuration");
  if (!r.ok) throw new Error("discovery: " + r.status);
  return r.json();
}

function redirectURI(): string {
  return location.origin + location.pathname;
}

// completeSignIn takes a token arriving in the URL (local fragment, or an
// OIDC code to exchange), stores it and cleans the URL. It returns whether
// a token is now at hand.
export async function completeSignIn(cfg: Config): Promise<boolean> {
  const frag = new URLSearchParams(location.hash.slice(1));
  const local = frag.get("access_token");
  if (cfg.auth === "local" && local) {
    sessionStorage.setItem(TOKEN, local);
    history.replaceState(null, "", location.pathname);
    return true;
  }
  const q = new URLSearchParams(location.search);
  const code = q.get("code");
  if (cfg.auth === "oidc" && code) {
    const saved = JSON.parse(sessionStorage.getItem(PKCE) ?? "{}") as { state?: string; verifier?: string };
    sessionStorage.removeItem(PKCE);
    history.replaceState(null, "", location.pathname);
    if (!saved.verifier || saved.state !== q.get("state")) return false;
    const d = await discover(cfg);
    const r = await fetch(d.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code", code, redirect_uri: redirectURI(),
        client_id: cfg.clientId!, code_verifier: saved.verifier,
      }),
    });
    if (!r.ok) return false;
    const tok = (await r.json()) as { id_token?: string };
    if (!tok.id_token) return false;
    sessionStorage.setItem(TOKEN, tok.id_token);
    return true;
  }
  return token() !== null;
}

// signIn leaves the page for the sign-in page (local) or the issuer's
// authorization endpoint (OIDC, with a fresh PKCE verifier and state).
export async function signIn(cfg: Config): Promise<void> {
  forget();
  if (cfg.auth === "local") {
    location.assign(cfg.signIn ?? "/local/sign-in");
    return;
  }
  const verifier = random(48);
  const state = random(16);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const d = await discover(cfg);
  const u = new URL(d.authorization_endpoint);
  u.search = new URLSearchParams({
    response_type: "code", client_id: cfg.clientId!, redirect_uri: redirectURI(),
    scope: cfg.scope ?? "openid email profile", state,
    code_challenge: b64url(digest), code_challenge_method: "S256",
  }).toString();
  location.assign(u.toString());
}
