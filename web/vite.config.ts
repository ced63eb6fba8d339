// One build of static files (web/dist): any static host can serve it, `roundtable web` serves it
// on 127.0.0.1. No inline script or style reaches the page, so its Content-Security-Policy can be
// strict (see index.html and src/cli/commands/web.ts).
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [preact()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2023",
    // Assets as files, never data: URLs inlined into scripts or styles.
    assetsInlineLimit: 0,
    // The polyfill is a script of its own in some builds; modern browsers need none.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
  },
});
