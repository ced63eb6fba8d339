// Hardhat's simulator ships its native binary as an optional dependency that
// declares engines >= 22. When npm itself runs under an older Node (Node 20 is
// the machine default here), it silently skips that package and Hardhat fails
// with HHE27. npm scripts put node_modules/.bin first on PATH, where the `node`
// devDependency provides Node 24, so one more install from here runs npm under
// Node 24 and brings the native package. Runs at most once.
const { spawnSync } = require("node:child_process");

// Checked in a child process: a native module that failed to load once stays
// failed in this process's module cache.
function edrLoads() {
  const probe = spawnSync(process.execPath, ["-e", 'require("@nomicfoundation/edr")'], {
    stdio: "ignore",
  });
  return probe.status === 0;
}

if (edrLoads()) process.exit(0);
if (process.env.ROUNDTABLE_ENSURE_NATIVE === "1") {
  console.error(
    "roundtable: @nomicfoundation/edr still does not load after a second install under " +
      `Node ${process.version}. Run \`npx node --version\` (needs >= 22.13) and \`npm install\` again.`,
  );
  process.exit(1);
}
console.log(`roundtable: installing Hardhat's native simulator under Node ${process.version}`);
const result = spawnSync("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund"], {
  stdio: "inherit",
  env: { ...process.env, ROUNDTABLE_ENSURE_NATIVE: "1" },
});
if (result.status !== 0 || !edrLoads()) {
  console.error("roundtable: could not install @nomicfoundation/edr; see the npm output above.");
  process.exit(1);
}
