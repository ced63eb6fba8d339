// What a newcomer runs into (issue 16): each bad input's message and exit code, the version,
// countdowns by the chain's clock, and how a finished session reads. Real `roundtable` processes
// against a real local chain.
import { spawn } from "node:child_process";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { type Address, type Hex, zeroAddress } from "viem";
import {
  bin,
  type CliRun,
  createKeygenViaCli,
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  type TestAccount,
  tempDir,
  testAccount,
} from "./helpers.js";
import { type AnvilTestChain, startAnvilTestChain } from "./newcomerChain.js";

/** Mixes the case of an address's hex digits the wrong way: a typo EIP-55 catches. */
function wrongChecksum(address: Address): string {
  const digits = address.slice(2).split("");
  const i = digits.findIndex((d) => /[a-fA-F]/.test(d));
  const d = digits[i] ?? "a";
  digits[i] = d === d.toLowerCase() ? d.toUpperCase() : d.toLowerCase();
  return `0x${digits.join("")}`;
}

describe("roundtable CLI: a newcomer's first hour", function () {
  this.timeout(120_000);
  let chain: AnvilTestChain;
  let directory: string;
  let storePasswordFile: string;
  let initiator: TestAccount;
  let parties: TestAccount[];
  /** Holds no ETH. */
  let poor: TestAccount;

  before(async () => {
    directory = await tempDir("newcomer");
    storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    poor = await testAccount(directory, "poor");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    chain = await startAnvilTestChain([initiator, ...parties].map((a) => a.address));
  });

  after(async () => {
    await chain?.stop();
  });

  async function create(members: readonly TestAccount[], ...extra: string[]) {
    const created = await createKeygenViaCli(chain.env, initiator, members, ...extra);
    // Session ids are decimal strings in every JSON output.
    expect(created.sessionId).to.be.a("string");
    return created;
  }

  function partyArgs(party: TestAccount, sessionId: string, fingerprint: Hex): string[] {
    return [
      "party",
      "run",
      "--session",
      sessionId,
      ...keyFlags(party),
      "--store",
      join(directory, `store-${party.address}`),
      "--store-password-file",
      storePasswordFile,
      "--yes",
      "--expect-session",
      fingerprint,
    ];
  }

  it("prints the version of package.json with --version", async () => {
    const run = await runCli(["--version"]);
    expectExit(run, 0);
    const { version } = JSON.parse(
      await readFile(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    expect(run.stdout).to.equal(`${version}\n`);
  });

  describe("a session that does not exist", () => {
    const plain = "error: Session 99 does not exist on this contract.";

    it("session show, party run and sign --key-session all say so plainly (exit 2, not retryable)", async () => {
      const a = parties[0] as TestAccount;
      const runs: [string, CliRun][] = [
        ["session show", await runCli(["session", "show", "99", "--json"], chain.env)],
        [
          "party run",
          await runCli([...partyArgs(a, "99", `0x${"ab".repeat(32)}`), "--json"], chain.env),
        ],
        [
          "sign",
          await runCli(
            [
              "sign",
              ...keyFlags(initiator),
              "--key-session",
              "99",
              "--signers",
              `${parties[0]?.address},${parties[1]?.address}`,
              "--text",
              "hello",
              "--json",
            ],
            chain.env,
          ),
        ],
      ];
      for (const [name, run] of runs) {
        expectExit(run, 2);
        expect(run.stderr, name).to.include(plain);
        expect(run.stderr, name).not.to.match(/reverted/);
        const { error } = jsonOf(run) as { error: { retryable: boolean; exitCode: number } };
        expect(error, name).to.include({ retryable: false, exitCode: 2 });
      }
      // party run stops before it creates a store for a session that is not there.
      const store = join(directory, `store-${a.address}`);
      expect(
        await access(store).then(
          () => "created",
          () => "absent",
        ),
      ).to.equal("absent");
    });
  });

  describe("an account with no ETH", () => {
    it("as a party: says its balance is 0 on this chain, names it, suggests funding or --relayer (exit 4)", async () => {
      const { sessionId, fingerprint } = await create([poor, parties[0] as TestAccount]);
      const run = await runCli(partyArgs(poor, sessionId, fingerprint), chain.env);
      expectExit(run, 4);
      expect(run.stderr).to.include(
        `warning: Account ${poor.address} has a balance of 0 ETH on chain 31337: it cannot send its actions itself. Fund it, or deliver through a relayer with --relayer URL.`,
      );
      expect(run.stderr).to.include(
        `error: Account ${poor.address} has a balance of 0 ETH on chain 31337 (${chain.rpcUrl}), so it cannot pay for a transaction. Nothing is lost: fund it (on a local chain: \`roundtable chain --fund ${poor.address}\`; elsewhere, send it some ETH), or let a relayer deliver its actions with --relayer URL, then run the command again.`,
      );
      expect(run.stderr).not.to.include("Missing or invalid parameters");
    });

    it("as an initiator: the same, without a relayer to suggest (exit 4)", async () => {
      const run = await runCli(
        [
          "session",
          "create",
          ...keyFlags(poor),
          "--parties",
          `${parties[0]?.address},${parties[1]?.address}`,
          "--threshold",
          "2",
        ],
        chain.env,
      );
      expectExit(run, 4);
      expect(run.stderr).to.include(
        `error: Account ${poor.address} has a balance of 0 ETH on chain 31337 (${chain.rpcUrl}), so it cannot pay for a transaction. Nothing is lost: fund it (on a local chain: \`roundtable chain --fund ${poor.address}\`; elsewhere, send it some ETH), then run the command again.`,
      );
    });
  });

  describe("addresses with a wrong EIP-55 checksum", () => {
    it("are refused in --parties, --party and --contract, naming the value and its checksummed form (exit 2)", async () => {
      const a = parties[0] as TestAccount;
      const typo = wrongChecksum(a.address);
      const contractTypo = wrongChecksum(chain.contract);
      const cases: [string[], string][] = [
        [
          [
            "session",
            "create",
            ...keyFlags(initiator),
            "--parties",
            `${parties[1]?.address},${typo}`,
            "--threshold",
            "2",
          ],
          `error: Invalid --parties: item 2 "${typo}" has a wrong EIP-55 checksum (its mix of upper and lower case), so it likely holds a typo; the correctly checksummed form of the same hex digits is ${a.address}.`,
        ],
        [
          ["session", "list", "--party", typo],
          `error: Invalid --party: "${typo}" has a wrong EIP-55 checksum (its mix of upper and lower case), so it likely holds a typo; the correctly checksummed form of the same hex digits is ${a.address}.`,
        ],
        [
          ["session", "show", "1", "--contract", contractTypo],
          `error: Invalid --contract: "${contractTypo}" has a wrong EIP-55 checksum`,
        ],
      ];
      for (const [args, message] of cases) {
        const run = await runCli(args, chain.env);
        expectExit(run, 2);
        expect(run.stderr).to.include(message);
      }
    });

    it("accepts all-lowercase and all-uppercase hex, which carry no checksum", async () => {
      const a = parties[0] as TestAccount;
      for (const party of [a.address.toLowerCase(), `0x${a.address.slice(2).toUpperCase()}`]) {
        const run = await runCli(["session", "list", "--party", party, "--json"], chain.env);
        expectExit(run, 0);
      }
    });
  });

  describe("other bad input", () => {
    it("--threshold -1 says the value must be a positive whole number (exit 2)", async () => {
      const run = await runCli(
        [
          "session",
          "create",
          "--parties",
          parties.map((p) => p.address).join(","),
          "--threshold",
          "-1",
        ],
        chain.env,
      );
      expectExit(run, 2);
      expect(run.stderr).to.include(
        'error: Invalid --threshold "-1": the value must be a positive whole number',
      );
    });

    it("a zero-address party is refused by name before the key file is opened (exit 2)", async () => {
      const run = await runCli(
        [
          "session",
          "create",
          "--key-file",
          join(directory, "no-such-key.json"),
          "--parties",
          `${parties[0]?.address},${zeroAddress}`,
          "--threshold",
          "2",
        ],
        chain.env,
      );
      expectExit(run, 2);
      expect(run.stderr).to.equal(
        `error: Invalid --parties: item 2 is the zero address ${zeroAddress}, which no one holds a key for. Give each party's own address (\`roundtable key address\` prints it).\n`,
      );
    });

    it("sign with one signer speaks of signers, not --parties (exit 2)", async () => {
      const run = await runCli(
        [
          "sign",
          ...keyFlags(initiator),
          "--key-session",
          "1",
          "--signers",
          parties[0]?.address ?? "",
          "--text",
          "x",
        ],
        chain.env,
      );
      expectExit(run, 2);
      expect(run.stderr).to.include("error: Invalid --signers: one signer;");
      expect(run.stderr).not.to.include("--parties");
    });

    it("key new refuses a password shorter than 8 characters, and says when it creates a directory", async () => {
      const short = join(directory, "short.pw");
      await writeFile(short, "abc\n", { mode: 0o600 });
      const refused = join(directory, "refused.json");
      const run = await runCli(["key", "new", "--key-file", refused, "--password-file", short]);
      expectExit(run, 2);
      expect(run.stderr).to.include(
        "error: The password is 3 characters long; use at least 8 (a few unrelated words are easy to remember and hard to guess). Nothing was written.",
      );
      expect(
        await access(refused).then(
          () => "written",
          () => "absent",
        ),
      ).to.equal("absent");

      const good = join(directory, "good.pw");
      await writeFile(good, "correct horse battery staple\n", { mode: 0o600 });
      const nested = join(directory, "new-dir", "deeper");
      const made = await runCli([
        "key",
        "new",
        "--key-file",
        join(nested, "k.json"),
        "--password-file",
        good,
      ]);
      expectExit(made, 0);
      expect(made.stderr).to.include(
        `Created the directory ${join(directory, "new-dir")} (mode 0700) for the key file.`,
      );
    });
  });

  describe("a finished key generation and a signing with its key", () => {
    it("prints the group key once, and the signing session's threshold as the key's (2 of 3 key, 2 signers)", async () => {
      const keygen = await create(parties);
      const runs = await Promise.all(
        parties.map((party) =>
          runCli(partyArgs(party, keygen.sessionId, keygen.fingerprint), chain.env),
        ),
      );
      for (const run of runs) expectExit(run, 0);
      const shown = jsonOf(
        await runCli(["session", "show", keygen.sessionId, "--json"], chain.env),
      );
      const groupKey = (shown.result as string).toLowerCase();
      const text = (runs[0]?.stdout ?? "").toLowerCase();
      expect(text).to.include(`group key  ${groupKey}`);
      expect(text.split(groupKey.slice(2)).length - 1).to.equal(1);

      const signers = [parties[0]?.address, parties[2]?.address].join(",");
      const sign = await runCli(
        [
          "sign",
          ...keyFlags(initiator),
          "--key-session",
          keygen.sessionId,
          "--signers",
          signers,
          "--text",
          "release v1.2.0",
        ],
        chain.env,
      );
      expectExit(sign, 0);
      expect(sign.stdout).to.match(/threshold +2 of 3 key, 2 signers/);
      const signingId = /Created session (\d+)/.exec(sign.stdout)?.[1] ?? "";
      const show = await runCli(["session", "show", signingId], chain.env);
      expectExit(show, 0);
      expect(show.stdout).to.match(/threshold +2 of 3 key, 2 signers/);
      // The text timeline: only acceptance has opened, a row per signer, nobody has acted yet.
      const lanes = show.stdout.split("Timeline (")[1]?.split("\n") ?? [];
      expect(lanes[1]).to.match(/^ +accept$/);
      const waiting = lanes.filter((line) => /^ +party \d/.test(line));
      expect(waiting).to.have.length(2);
      for (const row of waiting) expect(row).to.match(/· waiting$/);
      const keygenShow = await runCli(["session", "show", keygen.sessionId], chain.env);
      const rows = (keygenShow.stdout.split("Timeline (")[1] ?? "")
        .split("\n")
        .filter((line) => /^ +party \d/.test(line));
      expect(rows).to.have.length(3);
      // Each party acted once per phase of the finished key generation.
      for (const row of rows) expect(row.match(/✓ \+\d+/g) ?? []).to.have.length(4);
      expect(keygenShow.stdout).to.match(/\n +finalized at \+\d+/);
    });
  });

  describe("two clocks", () => {
    it("counts party run's deadlines down by the chain's clock, an hour ahead of this one", async () => {
      // The chain's clock runs an hour ahead of the machine's.
      await chain.advance(3600);
      const { sessionId, fingerprint } = await create(parties, "--acceptance", "600");
      const a = parties[0] as TestAccount;
      const child = spawn(process.execPath, [bin, ...partyArgs(a, sessionId, fingerprint)], {
        env: { ...process.env, ...chain.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      const exited = new Promise((resolve) => child.once("close", resolve));
      const line = /Accepting, 1 of 3 parties done, deadline in (\d+)m (\d+)s: waiting/;
      for (let i = 0; i < 1200 && !line.test(stderr); i++) await sleep(50);
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(10_000).then(() => child.kill("SIGKILL"))]);
      const match = line.exec(stderr);
      expect(match, stderr).to.not.equal(null);
      const printed = Number(match?.[1]) * 60 + Number(match?.[2]);

      const session = jsonOf(await runCli(["session", "show", sessionId, "--json"], chain.env));
      const deadline = (session.deadline as { unix: number }).unix;
      const block = await chain.anvil.publicClient.getBlock();
      const chainLeft = deadline - Number(block.timestamp);
      const localLeft = deadline - Date.now() / 1000;
      // By the chain's clock: about 10 minutes. By this machine's: an hour more.
      expect(Math.abs(printed - chainLeft)).to.be.lessThan(5);
      expect(localLeft - printed).to.be.greaterThan(3500);
      // The acceptance summary counted by the chain's clock too.
      expect(stderr).to.match(/acceptance deadline +\S+ \(in (9m \d+s|10m)\)/);
    });
  });
});
