// `roundtable account` on a local chain (hardhat node, through startTestChain): a 2-of-3 Taproot
// key generation through the CLI, the group's account address known before it exists, created by
// a stranger, funded, an intent paying 0.25 ETH proposed, shown by both signers' runners and
// signed, executed by a stranger, the ETH moved; a replay is refused naming the spent nonce, and a
// session whose intent and message disagree is declined by every party before it signs.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import {
  type Address,
  createWalletClient,
  getAddress,
  type Hex,
  hexToBytes,
  http,
  parseEther,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readFactoryBytecode } from "../../src/cli/deployRoundtable.js";
import { intentDigest } from "../../src/sdk/accountIntent.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import { thresholdAccountFactoryAbi } from "../../src/sdk/generated/thresholdAccountFactoryAbi.js";
import { signingConfig } from "../../src/sdk/protocolIds.js";
import {
  type CliRun,
  createKeygenViaCli,
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  startTestChain,
  type TestAccount,
  type TestChain,
  tempDir,
  testAccount,
} from "./helpers.js";

describe("roundtable account (threshold account from the CLI)", () => {
  let chain: TestChain;
  let directory: string;
  let storePasswordFile: string;
  let initiator: TestAccount;
  let stranger: TestAccount;
  let parties: TestAccount[];
  let keySession: string;
  const recipient = getAddress("0x000000000000000000000000000000000000beef");

  function runParty(account: TestAccount, sessionId: string, ...extra: string[]): Promise<CliRun> {
    return runCli(
      [
        "party",
        "run",
        "--session",
        sessionId,
        ...keyFlags(account),
        "--store",
        join(directory, `store-${account.address}`),
        "--store-password-file",
        storePasswordFile,
        ...extra,
      ],
      chain.env,
    );
  }

  const account = (...args: string[]) => runCli(["account", ...args, "--json"], chain.env);

  before(async () => {
    directory = await tempDir("account");
    storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    stranger = await testAccount(directory, "stranger");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    chain = await startTestChain([initiator, stranger, ...parties].map((a) => a.address));
    const keygen = await createKeygenViaCli(chain.env, initiator, parties);
    keySession = keygen.sessionId;
    const runs = await Promise.all(
      parties.map((party) =>
        runParty(party, keySession, "--yes", "--expect-session", keygen.fingerprint),
      ),
    );
    for (const run of runs) expectExit(run, 0);
  });

  after(async () => {
    await chain?.stop();
  });

  it("knows the address before creation, creates it (a stranger pays), executes a signed transfer once", async () => {
    const before = jsonOf(await account("address", "--key-session", keySession));
    expect(before.deployed).to.equal(false);
    const address = before.account as Address;

    const created = await account("create", "--key-session", keySession, ...keyFlags(stranger));
    expectExit(created, 0);
    expect(jsonOf(created)).to.include({ account: address, created: true });
    const after = jsonOf(await account("address", "--key-session", keySession));
    expect(after).to.include({ account: address, deployed: true });

    // Fund it with a real transfer of 1 ETH.
    const funder = createWalletClient({
      account: privateKeyToAccount(initiator.privateKey),
      transport: http(chain.rpcUrl),
    });
    const funding = await funder.sendTransaction({
      to: address,
      value: parseEther("1"),
      chain: null,
    });
    await chain.publicClient.waitForTransactionReceipt({ hash: funding });

    const signers = [parties[0]!, parties[2]!];
    const proposed = await account(
      "propose",
      ...keyFlags(initiator),
      "--key-session",
      keySession,
      "--signers",
      signers.map((p) => p.address).join(","),
      "--transfer",
      `${recipient},0.25`,
      "--deadline",
      "3600",
    );
    expectExit(proposed, 0);
    const signing = jsonOf(proposed);
    const intent = signing.intent as { account: Address; nonce: string; deadline: string };
    expect(intent.account).to.equal(address);
    expect(intent.nonce).to.equal("0");
    const expectedDigest = intentDigest({
      account: address,
      chainId: BigInt(chain.chainId),
      nonce: 0n,
      deadline: BigInt(intent.deadline),
      calls: [{ target: recipient, value: parseEther("0.25"), data: "0x" }],
    });
    expect(signing.message).to.equal(expectedDigest);

    const runs = await Promise.all(
      signers.map((signer) =>
        runParty(
          signer,
          String(signing.sessionId),
          "--yes",
          "--expect-config-hash",
          signing.configHash as string,
          "--json",
        ),
      ),
    );
    for (const run of runs) {
      expectExit(run, 0);
      // Each runner showed the intent as a person reads it before it signed.
      expect(run.stderr).to.contain(
        `an intent of threshold account ${address} on chain ${chain.chainId}`,
      );
      expect(run.stderr).to.contain(`pay 0.25 ETH to ${recipient}`);
      expect(run.stderr).to.match(/nonce 0, valid until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    }
    const signature = jsonOf(runs[0]!).signature as Hex;

    const executed = await account(
      "execute",
      ...keyFlags(stranger),
      "--session",
      String(signing.sessionId),
    );
    expectExit(executed, 0);
    const result = jsonOf(executed);
    expect(result).to.include({ account: address, intentDigest: expectedDigest, signature });
    const shown = jsonOf(await account("show", "--key-session", keySession));
    expect(shown.groupKey).to.be.a("string");
    expect(
      schnorr.verify(
        hexToBytes(signature),
        hexToBytes(expectedDigest),
        hexToBytes(shown.groupKey as Hex),
      ),
    ).to.equal(true);
    expect(await chain.publicClient.getBalance({ address: recipient })).to.equal(
      parseEther("0.25"),
    );
    expect(await chain.publicClient.getBalance({ address })).to.equal(parseEther("0.75"));
    expect(shown).to.include({ balance: parseEther("0.75").toString(), nonce: "1" });
    const history = shown.history as { nonce: string; digest: Hex; submitter: Address }[];
    expect(history).to.have.length(1);
    expect(history[0]).to.include({
      nonce: "0",
      digest: expectedDigest,
      submitter: stranger.address,
    });

    // The same intent again: refused before anything is sent, naming the spent nonce.
    const again = await account(
      "execute",
      ...keyFlags(stranger),
      "--session",
      String(signing.sessionId),
    );
    expectExit(again, 1);
    expect(again.stderr).to.contain("spends nonce 0, which the account already spent");
    expect(await chain.publicClient.getBalance({ address })).to.equal(parseEther("0.75"));

    // The auditor checks the intent session's message against the intent it carries.
    const audit = await runCli(["audit", String(signing.sessionId), "--json"], chain.env);
    const report = JSON.stringify(jsonOf(audit));
    expect(report).to.contain("signing.message-matches-preimage");
    expect(report).to.contain(
      `The message is the digest of an intent of threshold account ${address}`,
    );
  });

  it("a proposal whose intent and message disagree is declined by every party before it signs", async () => {
    const address = jsonOf(await account("address", "--key-session", keySession))
      .account as Address;
    const block = await chain.publicClient.getBlock();
    const shownIntent = {
      account: address,
      chainId: BigInt(chain.chainId),
      nonce: 1n,
      deadline: block.timestamp + 3600n,
      calls: [{ target: recipient, value: parseEther("0.01"), data: "0x" as Hex }],
    };
    // The initiator shows a payment of 0.01 ETH and asks for the digest of one of 0.7 ETH.
    const hidden = intentDigest({
      ...shownIntent,
      calls: [{ target: initiator.address, value: parseEther("0.7"), data: "0x" }],
    });
    const signers = [parties[0]!, parties[1]!];
    const honest = signingConfig({
      keySession: BigInt(keySession),
      signers: signers.map((p) => p.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
      threshold: 2,
      preimage: { kind: "intent", intent: shownIntent },
    });
    const wallet = createWalletClient({
      account: privateKeyToAccount(initiator.privateKey),
      transport: http(chain.rpcUrl),
    });
    const created = await createSession({
      publicClient: chain.publicClient,
      walletClient: wallet,
      address: chain.contract,
      config: { ...honest, message: hidden },
    });
    const runs = await Promise.all(
      signers.map((signer) =>
        runParty(
          signer,
          String(created.sessionId),
          "--yes",
          "--expect-config-hash",
          created.configHash,
        ),
      ),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).to.not.equal(0);
      expect(run.stderr).to.contain(
        `its message ${hidden} is not the digest of the intent it carries`,
      );
    }
    const session = jsonOf(
      await runCli(["session", "show", String(created.sessionId), "--json"], chain.env),
    );
    const seats = session.parties as { accepted: boolean }[];
    expect(seats.map((p) => p.accepted)).to.deep.equal([false, false]);
  });

  it("refuses bad flags before sending anything (exit 2), naming the flag, and a factory of another Roundtable", async () => {
    const propose = (...extra: string[]) =>
      account(
        "propose",
        ...keyFlags(initiator),
        "--key-session",
        keySession,
        "--signers",
        `${parties[0]!.address},${parties[2]!.address}`,
        ...extra,
      );
    const cases: [Promise<CliRun>, string][] = [
      [account("address"), "Missing --key-session"],
      [propose(), "Missing --call or --transfer"],
      [propose("--transfer", `${recipient},-1`), "Invalid --transfer amount"],
      [propose("--transfer", recipient), "expected TO,AMOUNT_ETH"],
      [propose("--call", `${recipient},0,0xabc`), "Invalid --call calldata"],
      [propose("--transfer", `${recipient},0.1`, "--deadline", "soon"), "Invalid --deadline"],
      [
        propose("--call", `${recipient},0,0x${"ab".repeat(900)}`),
        "bytes encoded, but a session's parameters hold at most 1024",
      ],
      [account("execute", ...keyFlags(stranger)), "Missing --session"],
    ];
    for (const [pending, message] of cases) {
      const run = await pending;
      expectExit(run, 2);
      expect(run.stderr).to.contain(message);
    }

    // A factory whose accounts would read their key from another Roundtable contract.
    const deployer = createWalletClient({
      account: privateKeyToAccount(initiator.privateKey),
      transport: http(chain.rpcUrl),
    });
    const hash = await deployer.deployContract({
      abi: thresholdAccountFactoryAbi,
      bytecode: await readFactoryBytecode(),
      args: [recipient, zeroAddress],
      chain: null,
    });
    const foreign = (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
    const run = await account("address", "--key-session", keySession, "--factory", foreign);
    expectExit(run, 2);
    expect(run.stderr).to.contain(`makes accounts of the Roundtable contract ${recipient}`);
  });
});
