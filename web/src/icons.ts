// Small line icons drawn as inline SVG (24×24, stroke), so the page needs
// no icon font and no emoji font on the viewer's machine.
const NS = "http://www.w3.org/2000/svg";

const PATHS: Record<string, string[]> = {
  send_messages: ["M22 2 11 13", "M22 2 15 22 11 13 2 9 22 2z"],
  manage_contacts: ["M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2", "M13 7a4 4 0 1 1-8 0a4 4 0 1 1 8 0", "M22 21v-2a4 4 0 0 0-3-3.87", "M16 3.13a4 4 0 0 1 0 7.75"],
  handle_tickets: ["M3 7h18v3a2 2 0 0 0 0 4v3H3v-3a2 2 0 0 0 0-4z", "M13 7v2", "M13 12v1", "M13 16v1"],
  serve_customers: ["M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z", "M8 9h8", "M8 13h5"],
  enable_channel: ["M13 2 3 14h9l-1 8 10-12h-9l1-8z"],
  invoices: ["M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z", "M14 2v6h6", "M16 13H8", "M16 17H8"],
  lock: ["M5 11h14v10H5z", "M8 11V7a4 4 0 0 1 8 0v4"],
  alert: ["M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z", "M12 9v4", "M12 17h.01"],
  positive: ["M22 12a10 10 0 1 1-20 0a10 10 0 1 1 20 0", "M8 14s1.5 2 4 2 4-2 4-2", "M9 9h.01", "M15 9h.01"],
  neutral: ["M22 12a10 10 0 1 1-20 0a10 10 0 1 1 20 0", "M8 15h8", "M9 9h.01", "M15 9h.01"],
  negative: ["M22 12a10 10 0 1 1-20 0a10 10 0 1 1 20 0", "M16 16s-1.5-2-4-2-4 2-4 2", "M9 9h.01", "M15 9h.01"],
};

export function icon(name: string, size = 20): SVGSVGElement {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of PATHS[name] ?? []) {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    svg.appendChild(p);
  }
  return svg;
}
