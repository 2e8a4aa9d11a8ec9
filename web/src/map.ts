// The choropleth of Brazil by state (UF), drawn as inline SVG from the
// @svg-maps/brazil shapes (CC BY 4.0): one <path> per UF, shaded on a
// sequential scale where the state with most interactions is the darkest.
import brazil from "@svg-maps/brazil";

const NS = "http://www.w3.org/2000/svg";
const EMPTY = "#eceff3";
const LOW: [number, number, number] = [214, 228, 250];
const HIGH: [number, number, number] = [12, 42, 110];

// shade is the fill for value on a 0..max scale: linear in RGB from LOW to
// HIGH, so a larger value is always darker; 0 is the neutral EMPTY.
export function shade(value: number, max: number): string {
  if (value <= 0 || max <= 0) return EMPTY;
  const t = Math.min(1, value / max);
  const c = LOW.map((lo, i) => Math.round(lo + (HIGH[i] - lo) * t));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

export const LEGEND = { low: shade(1, 1e9), high: shade(1, 1) };

export interface MapState { uf: string; value: number; index: number }

// draw returns the SVG map; title names each state with its figure.
export function draw(states: Map<string, MapState>, label: string, title: (name: string, value: number) => string): SVGSVGElement {
  const max = Math.max(0, ...[...states.values()].map((s) => s.value));
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", brazil.viewBox);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.classList.add("map");
  for (const loc of brazil.locations) {
    const uf = loc.id.toUpperCase();
    const st = states.get(uf);
    const value = st?.value ?? 0;
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", loc.path);
    p.setAttribute("fill", shade(value, max));
    p.setAttribute("data-uf", uf);
    if (st) {
      p.setAttribute("data-metric", `metrics.geoDistribution.${st.index}.interactions`);
      p.setAttribute("data-value", String(st.value));
    }
    const tt = document.createElementNS(NS, "title");
    tt.textContent = title(loc.name, value);
    p.appendChild(tt);
    svg.appendChild(p);
  }
  return svg;
}

export function stateName(uf: string): string {
  return brazil.locations.find((l) => l.id === uf.toLowerCase())?.name ?? uf;
}
