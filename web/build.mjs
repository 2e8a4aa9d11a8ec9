// Builds the page into web/dist: index.html, assets/app.js and
// assets/app.css (one bundle each, minified, no CDN), and prints the
// gzipped sizes of what a browser downloads (the 300 KB budget's figure;
// `make web-bench` records it).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const out = "dist";
rmSync(out, { recursive: true, force: true });
mkdirSync(out + "/assets", { recursive: true });
await build({
  entryPoints: { app: "src/main.ts" },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  outdir: out + "/assets",
  legalComments: "linked",
  logLevel: "warning",
});
copyFileSync("index.html", out + "/index.html");
let total = 0;
const sizes = {};
for (const f of ["assets/app.js", "assets/app.css"]) {
  const gz = gzipSync(readFileSync(`${out}/${f}`), { level: 9 }).length;
  sizes[f] = gz;
  total += gz;
}
writeFileSync(out + "/sizes.json", JSON.stringify({ gzipBytes: sizes, totalGzipBytes: total }, null, 2));
console.log(`web: built ${out}/ (JS+CSS ${(total / 1024).toFixed(1)} KB gzipped)`);
