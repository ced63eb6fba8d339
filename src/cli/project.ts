import { fileURLToPath } from "node:url";

// Paths inside the project, resolved from this file rather than the working
// directory, so that `roundtable` behaves the same from any directory.

/** The project root: the directory of package.json and hardhat.config.ts. */
export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Hardhat's CLI, run with this process's Node (Hardhat 3 needs Node 22.13 or newer). */
export const hardhatCli = fileURLToPath(
  new URL("../../node_modules/.bin/hardhat", import.meta.url),
);

/** The compiled contract: ABI and creation bytecode (`npm run build` writes it). */
export const roundtableArtifact = fileURLToPath(
  new URL("../../artifacts/contracts/Roundtable.sol/Roundtable.json", import.meta.url),
);

/** The compiled ThresholdAccountFactory, deployed beside Roundtable. */
export const thresholdAccountFactoryArtifact = fileURLToPath(
  new URL(
    "../../artifacts/contracts/ThresholdAccountFactory.sol/ThresholdAccountFactory.json",
    import.meta.url,
  ),
);

/** Where deployments are recorded, one `<chainId>.json` per chain, unless --deployments-dir says otherwise. */
export const defaultDeploymentsDir = fileURLToPath(new URL("../../deployments/", import.meta.url));
