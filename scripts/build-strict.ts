// Compiles every contract from scratch and fails on any compiler warning:
// Hardhat prints solc warnings but still exits 0, and a warning in a contract
// that holds real sessions is a bug until shown otherwise.
import { spawnSync } from "node:child_process";

const build = spawnSync("hardhat", ["build", "--force"], { encoding: "utf8", shell: false });
const output = `${build.stdout ?? ""}${build.stderr ?? ""}`;
process.stdout.write(output);
if (build.error) {
  console.error(
    `Could not run \`hardhat build\`: ${build.error.message}. Run \`npm install\` first.`,
  );
  process.exit(1);
}
const warnings = output.split("\n").filter((line) => line.startsWith("Warning:"));
if (build.status !== 0) process.exit(build.status ?? 1);
if (warnings.length > 0) {
  console.error(
    `\n${warnings.length} compiler warning(s): warnings are errors here. Fix them and rebuild.`,
  );
  process.exit(1);
}
