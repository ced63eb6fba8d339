import { keyOptions } from "../account.js";
import { defineCommand } from "../command.js";
import { deploymentFile, readDeploymentRecord } from "../deploymentRecord.js";
import { deployRoundtable, readRoundtableBytecode } from "../deployRoundtable.js";
import { CliError, ExitCode, toCliError } from "../errors.js";
import { formatTable } from "../output.js";

export const deployCommand = defineCommand({
  path: ["deploy"],
  summary: "deploy Roundtable to the chain at --rpc-url with your key, and record it",
  positionals: [],
  options: {
    ...keyOptions,
    network: {
      type: "string",
      valueName: "NAME",
      description: "the network's name in the record (default chain-<chainId>)",
    },
    replace: {
      type: "boolean",
      description: "deploy even if the record names a contract that is still there",
    },
  },
  description: [
    "Deploys the compiled contract (artifacts/, from `npm run build`) from your account to any RPC, with its ThresholdAccountFactory (the group accounts of `roundtable account`), and records the addresses and deployment block in deployments/<chainId>.json, as `npm run deploy` does. Commit that file: parties and auditors start their log scans at that block.",
    "For testnets with Hardhat Ignition and the encrypted keystore, prefer `npm run deploy -- --network sepolia`; this command is the path without a Hardhat network configuration.",
  ],
  examples: [
    "roundtable deploy --rpc-url https://sepolia.example/v2/KEY --key-file deployer.json --network sepolia",
  ],
  async run({ values, context }) {
    const { log, output, options } = context;
    const bytecode = await readRoundtableBytecode();
    const connection = await context.connect();
    const existing = await readDeploymentRecord(options.deploymentsDir, connection.chainId);
    if (existing && !values.replace) {
      const code = await connection.publicClient
        .getCode({ address: existing.address })
        .catch((error: unknown) => {
          throw toCliError(error, connection.rpcUrlShown);
        });
      if (code !== undefined && code !== "0x") {
        throw new CliError({
          message: `${deploymentFile(options.deploymentsDir, connection.chainId)} already records Roundtable at ${existing.address} on chain ${connection.chainId}, and it is still there. Use it (sessions live on it); to deploy a new one beside it, record it elsewhere with --deployments-dir DIR (others keep using this record); --replace deploys a new one and overwrites this record, moving everyone who reads it to the new contract.`,
          exitCode: ExitCode.Usage,
        });
      }
      log.info(
        `The record names ${existing.address}, which has no code on this chain: replacing it.`,
      );
    }
    const account = await context.account(values, "Deploying");
    log.info(
      `Deploying Roundtable to chain ${connection.chainId} (${connection.rpcUrlShown}) from ${account.address} …`,
    );
    const { record, path, transactionHash } = await deployRoundtable({
      publicClient: connection.publicClient,
      walletClient: connection.walletClient(account),
      bytecode,
      network: values.network ?? `chain-${connection.chainId}`,
      deploymentsDir: options.deploymentsDir,
    }).catch((error: unknown) => {
      throw toCliError(error, connection.rpcUrlShown);
    });
    output.result(
      [
        `Roundtable deployed on chain ${record.chainId}.`,
        ...formatTable(
          [
            ["contract", record.address],
            ["account factory", record.thresholdAccountFactory ?? "(none)"],
            [
              "ERC-4337 EntryPoint",
              record.entryPoint ?? "(none: the accounts' ERC-4337 path is off)",
            ],
            ["deployment block", `${record.deploymentBlock} (${record.blockHash})`],
            ["transaction", transactionHash],
            ["recorded in", path],
          ],
          "  ",
        ),
      ],
      {
        chainId: record.chainId,
        contract: record.address,
        thresholdAccountFactory: record.thresholdAccountFactory,
        entryPoint: record.entryPoint,
        deploymentBlock: record.deploymentBlock,
        blockHash: record.blockHash,
        transactionHash,
        deploymentFile: path,
      },
    );
    return ExitCode.Success;
  },
});
