#!/usr/bin/env node
// Launches the roundtable CLI (src/cli/main.ts) through tsx on the project's
// Node (node_modules/.bin/node, Node 24): Hardhat 3, which `roundtable chain`
// starts, needs Node 22.13 or newer, and the machine's Node may be older.
// Arguments, stdio and the exit code pass through; SIGTERM is forwarded.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const projectNode = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
const node = existsSync(projectNode) ? projectNode : process.execPath;
const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
// Resolved from this file, so the CLI runs from any working directory.
const tsx = import.meta.resolve("tsx");

const child = spawn(node, ["--import", tsx, main, ...process.argv.slice(2)], {
  stdio: "inherit",
});

// A Ctrl-C reaches the whole process group, the CLI included, which shuts
// down by itself; this launcher only waits for it.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));

child.on("error", (error) => {
  process.stderr.write(`error: cannot start ${node}: ${error.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 130 : 1));
});
