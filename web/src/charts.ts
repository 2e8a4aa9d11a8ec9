// Charts drawn with Apache ECharts, imported piece by piece so the bundle
// carries only the line and pie charts, their components and the SVG
// renderer (crisp at any zoom, and its text stays selectable).
import * as echarts from "echarts/core";
import { LineChart, PieChart } from "echarts/charts";
import { GridComponent, TooltipComponent, AriaComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import type { DayVolume } from "./types";

echarts.use([LineChart, PieChart, GridComponent, TooltipComponent, AriaComponent, SVGRenderer]);

export const COLORS = { messages: "#2f5fd0", commercial: "#c2410c", support: "#0f766e" };

const live = new Set<echarts.ECharts>();

export function disposeAll(): void {
  for (const c of live) c.dispose();
  live.clear();
}

export function resizeAll(): void {
  for (const c of live) c.resize();
}

function init(el: HTMLElement): echarts.ECharts {
  const c = echarts.init(el, undefined, { renderer: "svg" });
  live.add(c);
  return c;
}

const TEXT = "#374151";
// ECharts measures labels with this font, so it must be the page's.
export const FONT = '"Inter", "Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue", Arial, sans-serif';
const AXIS = "#4b5563";

export interface VolumeLabels { messages: string; commercial: string; support: string; description: string }

// volume draws the 30-day chart (its legend is the page's, so it wraps on
// a phone): messages sent (left axis, area) and the
// distinct contacts in commercial and support attendance (right axis).
export function volume(el: HTMLElement, days: DayVolume[], dayLabel: (d: string) => string, fmt: (n: number) => string, l: VolumeLabels): void {
  const c = init(el);
  c.setOption({
    animation: false,
    aria: { enabled: true, label: { description: l.description } },
    textStyle: { fontFamily: FONT, color: TEXT },
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", valueFormatter: (v: unknown) => fmt(Number(v)) },
    xAxis: {
      type: "category", boundaryGap: false, data: days.map((d) => dayLabel(d.date)),
      axisLabel: { color: AXIS, fontSize: 11, hideOverlap: true }, axisLine: { lineStyle: { color: "#d1d5db" } },
    },
    yAxis: [
      { type: "value", minInterval: 1, axisLabel: { color: AXIS, fontSize: 11, formatter: (v: number) => fmt(v) }, splitLine: { lineStyle: { color: "#eef0f4" } } },
      { type: "value", minInterval: 1, axisLabel: { color: AXIS, fontSize: 11, formatter: (v: number) => fmt(v) }, splitLine: { show: false } },
    ],
    series: [
      { name: l.messages, type: "line", yAxisIndex: 0, data: days.map((d) => d.messagesSent), smooth: true, showSymbol: false,
        lineStyle: { width: 2.5, color: COLORS.messages }, itemStyle: { color: COLORS.messages },
        areaStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: "rgba(47,95,208,0.25)" }, { offset: 1, color: "rgba(47,95,208,0.02)" }]) } },
      { name: l.commercial, type: "line", yAxisIndex: 1, data: days.map((d) => d.contactsInCommercial), smooth: true, showSymbol: false,
        lineStyle: { width: 2, color: COLORS.commercial }, itemStyle: { color: COLORS.commercial } },
      { name: l.support, type: "line", yAxisIndex: 1, data: days.map((d) => d.contactsInSupport), smooth: true, showSymbol: false,
        lineStyle: { width: 2, color: COLORS.support, type: "dashed" }, itemStyle: { color: COLORS.support } },
    ],
  });
}

export interface DonutSlice { name: string; value: number; color: string }

// donut draws the attendance distribution (the page writes the total in
// its middle).
export function donut(el: HTMLElement, slices: DonutSlice[], pct: (share: number) => string, description: string): void {
  const c = init(el);
  const total = slices.reduce((s, x) => s + x.value, 0);
  c.setOption({
    animation: false,
    aria: { enabled: true, label: { description } },
    textStyle: { fontFamily: FONT, color: TEXT },
    tooltip: { trigger: "item", formatter: (p: { name: string; value: number }) => `${p.name}: ${pct(total ? p.value / total : 0)}` },
    series: [{
      type: "pie", radius: ["58%", "82%"], avoidLabelOverlap: true, label: { show: false },
      itemStyle: { borderColor: "#fff", borderWidth: 3 },
      data: slices.map((s) => ({ name: s.name, value: s.value, itemStyle: { color: s.color } })),
    }],
  });
}
