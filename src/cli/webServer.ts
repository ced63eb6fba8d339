// `roundtable web`'s server: the built web client (web/dist) as static files, and this project's
// deployment records read-only, on 127.0.0.1. No server-side state: the page keeps everything in
// the browser, and any static host could serve the same files.
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { readDeploymentRecord } from "./deploymentRecord.js";

export type WebServer = {
  /** Such as http://127.0.0.1:8600 */
  url: string;
  close(): Promise<void>;
};

export type StartWebServerParameters = {
  /** The built client: index.html and assets/. */
  distDir: string;
  /** Where `/deployments/<chainId>.json` is read from. */
  deploymentsDir: string;
  /** 0 picks a free port. */
  port: number;
};

/** The port is taken, or may not be used: the command turns this into a usage error. */
export class WebListenError extends Error {
  override name = "WebListenError";
}

/**
 * The Content-Security-Policy of the page's own meta tag (web/index.html), so the header and the
 * tag cannot drift apart; the header adds what a meta tag cannot carry (frame-ancestors).
 */
export async function pagePolicy(distDir: string): Promise<string> {
  const html = await readFile(join(distDir, "index.html"), "utf8");
  const match = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
  if (match === null) {
    throw new Error(
      `${join(distDir, "index.html")} has no Content-Security-Policy meta tag; rebuild the web client (npm run build:web).`,
    );
  }
  const policy = match[1]!.trim().replace(/;\s*$/, "");
  return `${policy}; frame-ancestors 'none'`;
}

/**
 * Serves `distDir` and the deployment records on 127.0.0.1 only.
 * @example
 * ```ts
 * const server = await startWebServer({ distDir: await ensureWebBuild(), deploymentsDir, port: 0 });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function startWebServer({
  distDir,
  deploymentsDir,
  port,
}: StartWebServerParameters): Promise<WebServer> {
  const policy = await pagePolicy(distDir);
  const app = new Hono();
  app.use("*", async (c, next) => {
    await next();
    c.header("Content-Security-Policy", policy);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cross-Origin-Opener-Policy", "same-origin");
    c.header("Cross-Origin-Resource-Policy", "same-origin");
    c.header("X-Frame-Options", "DENY");
  });
  // Read-only: nothing else than GET and HEAD is served at all.
  app.use("*", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      c.header("Allow", "GET, HEAD");
      return c.text("Method not allowed: this server only serves files.", 405);
    }
    return next();
  });
  app.get("/deployments/:file", async (c) => {
    const match = /^(\d{1,12})\.json$/.exec(c.req.param("file"));
    if (match === null) return c.text("Not found: ask for /deployments/<chainId>.json.", 404);
    const chainId = Number(match[1]);
    // Only a record that reads as one (chain, address, block) is served, re-serialised.
    const record = await readDeploymentRecord(deploymentsDir, chainId).catch(() => null);
    if (record === undefined) return c.text(`No deployment recorded for chain ${chainId}.`, 404);
    if (record === null) {
      return c.text(`The deployment record of chain ${chainId} is unreadable.`, 500);
    }
    c.header("Cache-Control", "no-store");
    return c.json(record);
  });
  // Hono's serveStatic refuses `..`, encoded separators and double slashes, lists no directory
  // (a directory serves its index.html or nothing) and sets the content type from the extension.
  app.use("/*", serveStatic({ root: distDir }));
  app.notFound((c) => c.text("Not found.", 404));

  const { server, info } = await new Promise<{ server: Server; info: AddressInfo }>(
    (resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info) =>
        resolve({ server: s as Server, info }),
      ) as Server;
      s.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          error.code === "EADDRINUSE" || error.code === "EACCES"
            ? new WebListenError(
                `Cannot listen on 127.0.0.1:${port} (${error.code === "EADDRINUSE" ? "in use" : "not allowed"}): give another --port (0 picks a free one).`,
              )
            : error,
        ),
      );
    },
  );
  return {
    url: `http://127.0.0.1:${info.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
