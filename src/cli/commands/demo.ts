import { defineCommand } from "../command.js";
import { runDemo } from "../demo/runDemo.js";
import { summaryJson, summaryLines } from "../demo/summary.js";
import { ExitCode } from "../errors.js";

export const demoCommand = defineCommand({
  path: ["demo"],
  summary: "run a whole 2-of-3 key generation and signing on a local chain, in one command",
  positionals: [],
  options: {
    "keep-chain": {
      type: "boolean",
      description: "keep the demo's chain running after the summary, until Ctrl-C",
    },
    relayer: {
      type: "boolean",
      description: "run a relayer and send every party action through it: the parties hold no ETH",
    },
    web: {
      type: "boolean",
      description:
        "run one party (alice) in the web client, in headless Chromium with an injected wallet",
    },
    "without-delegates": {
      type: "boolean",
      description:
        "run the parties the old way: each account signs every action, not one per session",
    },
  },
  description: [
    "Starts a local chain on 127.0.0.1 with Roundtable deployed (or uses the running Hardhat development chain at --rpc-url, deploying unless --contract is given), creates three parties, each with a fresh key in its own encrypted key file and its own secret store, under a new temporary directory, and funds them from Hardhat's development account.",
    "Hardhat's development account then creates a 2-of-3 FROST key generation, and the three parties run it as three separate `roundtable party run` processes; two of them then sign the sha256 of a text in a signing session, again as separate processes. The signature is checked with BIP-340 (@noble/curves' schnorr.verify, independent of the FROST code) and against the result stored on chain.",
    "Prints the chain, contract, sessions, group key, message, signature, gas per session and time per stage; with --json exactly one JSON object on stdout. The parties' progress goes to stderr, each line prefixed with the party's name. Nothing secret is printed: keys and passwords stay in files (mode 0600), shares in the encrypted stores.",
    "Each party runs with a session delegate (`party run --delegate`): its account signs only the acceptance, a delegate key in its store signs every round; the summary counts, from the audit of the chain, how many actions each account and each delegate signed. --without-delegates runs them the old way.",
    "With --relayer, a `roundtable relayer` process is started too, with its own funded key; the parties get no ETH and hand every signed action to it (falling back to direct, which would fail without ETH). The summary counts the transactions it sent.",
    "With --web, alice runs in the web client instead of a process: `roundtable web`'s page in headless Chromium (from @sparticuz/chromium, driven by playwright-core), with an injected EIP-6963 wallet holding her key; the demo opens each invitation link, connects, compares the configuration hash the page computed with its own, accepts (one wallet prompt per session) and waits for the outcome the page shows. The JSON names her party index as browserParty (null without --web).",
    "The key files use a lowered scrypt cost (2^12) so that every process starts at once: never reuse them. The chain is stopped at the end unless --keep-chain; on a failure the demo stops its processes and the chain, names the stage that failed, and exits with the code of the cause.",
  ],
  examples: [
    "roundtable demo",
    "roundtable demo --json",
    "roundtable demo --keep-chain",
    "roundtable demo --relayer",
    "roundtable demo --web --json",
    "roundtable demo --rpc-url http://127.0.0.1:8545 --contract 0x5FbDB2315678afecb367f032d93F642f64180aa3",
  ],
  handlesSignals: true,
  async run({ values, context }) {
    const { options, log, output, signal } = context;
    const given = options.rpcUrlSource !== "default";
    await runDemo({
      rpcUrl: given ? options.rpcUrl : undefined,
      contract: options.contract,
      keepChain: values["keep-chain"] === true,
      relayer: values.relayer === true,
      delegates: values["without-delegates"] !== true,
      web: values.web === true,
      log,
      signal,
      onSummary: (summary) => output.result(summaryLines(summary), summaryJson(summary)),
    });
    return ExitCode.Success;
  },
});
