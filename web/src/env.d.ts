// esbuild bundles the stylesheet imported by main.ts into assets/app.css.
declare module "*.css";

// @svg-maps/brazil's types import this package, which it does not ship.
declare module "svg-maps__common" {
  export interface Location { name: string; id: string; path: string }
  export interface Map { label: string; viewBox: string; locations: Location[] }
}
