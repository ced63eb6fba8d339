import { defineCommand } from "../command.js";
import { CliError, ExitCode } from "../errors.js";
import { startLocalChain } from "../localChain.js";
import { formatTable } from "../output.js";
import { parseAddressList, parseInteger } from "../parse.js";

export const chainCommand = defineCommand({
  path: ["chain"],
  summary: "start a local chain with Roundtable deployed, until Ctrl-C",
  positionals: [],
  options: {
    port: {
      type: "string",
      valueName: "PORT",
      description: "port on 127.0.0.1 (default 8545; 0 picks a free one)",
    },
    fund: {
      type: "string",
      valueName: "A,B,C",
      description: "give these accounts 100 ETH each, such as the parties' key-file accounts",
    },
  },
  description: [
    "Starts `hardhat node` on 127.0.0.1 (never on other interfaces), deploys Roundtable from Hardhat's first development account, records the deployment in deployments/<chainId>.json so other commands find the contract, and prints the RPC URL, chain id, contract address and deployment block. It runs until SIGINT or SIGTERM, then stops the node.",
    "It mines a block every second, so that deadlines pass in real time. The chain starts empty every time: sessions of an earlier run are gone. Accounts from `roundtable key new` hold no ETH: give them some with --fund.",
  ],
  examples: [
    "roundtable chain",
    "roundtable chain --port 8546 --json --fund 0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  ],
  handlesSignals: true,
  async run({ values, context }) {
    const { log, output, signal, options } = context;
    const port =
      values.port === undefined
        ? 8545
        : parseInteger(values.port, "--port", {
            min: 0,
            max: 65_535,
            what: "a TCP port",
            sample: 8546,
          });
    const fund = values.fund === undefined ? [] : parseAddressList(values.fund, "--fund");
    if (options.rpcUrlSource !== "default" || options.contract !== undefined) {
      log.warn("--rpc-url and --contract are ignored: `roundtable chain` starts its own chain.");
    }
    log.info(`Starting hardhat node on 127.0.0.1:${port === 0 ? "(free port)" : port} …`);
    const chain = await startLocalChain({
      port,
      deploymentsDir: options.deploymentsDir,
      onOutput: (line) => log.debug(`node: ${line}`),
      onProgress: (line) => log.info(line),
      signal,
      fund,
    });
    output.result(
      [
        "Local chain ready.",
        ...formatTable(
          [
            ["RPC URL", chain.rpcUrl],
            ["chain id", String(chain.chainId)],
            ["contract", chain.contract],
            ["deployment block", String(chain.deploymentBlock)],
            ["recorded in", chain.deploymentFile],
            ...(fund.length > 0 ? [["funded", `${fund.join(", ")} (100 ETH each)`]] : []),
          ],
          "  ",
        ),
        "Other commands find the contract through the record; press Ctrl-C to stop the chain.",
      ],
      {
        rpcUrl: chain.rpcUrl,
        chainId: chain.chainId,
        contract: chain.contract,
        deploymentBlock: chain.deploymentBlock,
        ...(fund.length > 0 ? { funded: fund } : {}),
      },
    );
    const stopped = new Promise<"signal">((resolve) => {
      if (signal.aborted) resolve("signal");
      signal.addEventListener("abort", () => resolve("signal"), { once: true });
    });
    const outcome = await Promise.race([stopped, chain.exited]);
    // A Ctrl-C in the terminal reaches the node too, which may exit first.
    if (outcome === "signal" || signal.aborted) {
      log.info("Stopping the local chain …");
      await chain.stop();
      log.info("Local chain stopped.");
      return ExitCode.Success;
    }
    throw new CliError({
      message: `The local chain stopped by itself (exit code ${outcome}). Run \`roundtable chain --log-level debug\` to see its output.`,
      exitCode: ExitCode.Chain,
    });
  },
});
