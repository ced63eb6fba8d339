// The web client's build (web/ → web/dist), made only when it is missing or older than its
// sources: `roundtable web`, `npm run build:web` and the browser tests all call ensureWebBuild.
import { open, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { projectRoot } from "./project.js";

/** The web client's sources: its own, and the project code the page bundles. */
const webRoot = join(projectRoot, "web");
export const webDistDir = join(webRoot, "dist");
const sources = [
  join(webRoot, "src"),
  join(webRoot, "index.html"),
  join(webRoot, "vite.config.ts"),
  ...["sdk", "party", "auditor", "protocol"].map((dir) => join(projectRoot, "src", dir)),
];

/** Held while a process builds: `roundtable web` and a test run may start at the same time. */
const lockFile = join(webRoot, ".build.lock");

/** One build at a time in this process: a second caller waits for the first one's result. */
let building: Promise<string> | undefined;

export type EnsureWebBuildOptions = {
  /** Where the progress lines go. @default stderr */
  log?: ((line: string) => void) | undefined;
};

/**
 * The web client's dist directory, built first when `web/dist/index.html` is missing or older
 * than any source file.
 * @example
 * ```ts
 * const dist = await ensureWebBuild(); // …/web/dist, with index.html and assets/
 * ```
 */
export function ensureWebBuild(options: EnsureWebBuildOptions = {}): Promise<string> {
  building ??= buildIfStale(options).finally(() => {
    building = undefined;
  });
  return building;
}

async function buildIfStale(options: EnsureWebBuildOptions): Promise<string> {
  if (await isFresh()) return webDistDir;
  const release = await lock();
  try {
    // Another process may have built it while this one waited for the lock.
    if (await isFresh()) return webDistDir;
    await build(options);
    return webDistDir;
  } finally {
    await release();
  }
}

async function isFresh(): Promise<boolean> {
  const built = await mtimeOf(join(webDistDir, "index.html"));
  return built !== undefined && (await newestSource()) <= built;
}

async function build({
  log = (line) => process.stderr.write(`${line}\n`),
}: EnsureWebBuildOptions): Promise<void> {
  const built = await mtimeOf(join(webDistDir, "index.html"));
  log(
    built === undefined
      ? "Building the web client (web/ → web/dist) …"
      : "The web client's sources changed: rebuilding web/dist …",
  );
  const started = performance.now();
  // Imported here: vite is a development dependency, and only a build needs it.
  const vite = await import("vite");
  await vite.build({ configFile: join(webRoot, "vite.config.ts"), logLevel: "warn" });
  log(`Built the web client in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

/** Takes the build lock (a file naming this process), waiting while a live process holds it. */
async function lock(): Promise<() => Promise<void>> {
  for (const started = Date.now(); ; ) {
    try {
      const file = await open(lockFile, "wx");
      await file.writeFile(String(process.pid));
      await file.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number(await readFile(lockFile, "utf8").catch(() => ""));
    if (!isAlive(holder)) {
      // Left by a process that died while building: nobody builds now.
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() - started > 600_000) {
      throw new Error(
        `Process ${holder} has been building the web client for 10 minutes (${lockFile}); stop it or remove the file.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function mtimeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The newest modification time among the sources (a directory: it and everything in it). */
async function newestSource(): Promise<number> {
  let newest = 0;
  for (const source of sources) {
    const info = await stat(source).catch(() => undefined);
    if (info === undefined) continue;
    // A directory's own time changes when a file in it is deleted or renamed.
    newest = Math.max(newest, info.mtimeMs);
    if (!info.isDirectory()) continue;
    const entries = await readdir(source, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile() && !entry.isDirectory()) continue;
      const time = await mtimeOf(join(entry.parentPath, entry.name));
      if (time !== undefined) newest = Math.max(newest, time);
    }
  }
  return newest;
}
