// Builds the page into web/dist: index.html and assets/app-<hash>.js and
// .css (one bundle each, minified, no CDN; the hash in the name lets a CDN
// cache them for good while index.html is revalidated), and prints the
// gzipped sizes of what a browser downloads (the 300 KB budget's figure;
// `make web-bench` records it).
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const out = "dist";
rmSync(out, { recursive: true, force: true });
mkdirSync(out + "/assets", { recursive: true });
const result = await build({
  entryPoints: { app: "src/main.ts" },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  outdir: out + "/assets",
  legalComments: "linked",
  entryNames: "[name]-[hash]",
  metafile: true,
  logLevel: "warning",
});
const assets = Object.keys(result.metafile.outputs).map((f) => f.slice(out.length + 1)).filter((f) => /\.(js|css)$/.test(f));
const js = assets.find((f) => f.endsWith(".js"));
const css = assets.find((f) => f.endsWith(".css"));
writeFileSync(out + "/index.html", readFileSync("index.html", "utf8")
  .replace("/assets/app.js", "/" + js).replace("/assets/app.css", "/" + css));
let total = 0;
const sizes = {};
for (const f of [js, css]) {
  const gz = gzipSync(readFileSync(`${out}/${f}`), { level: 9 }).length;
  sizes[f] = gz;
  total += gz;
}
writeFileSync(out + "/sizes.json", JSON.stringify({ gzipBytes: sizes, totalGzipBytes: total }, null, 2));
console.log(`web: built ${out}/ (JS+CSS ${(total / 1024).toFixed(1)} KB gzipped)`);
