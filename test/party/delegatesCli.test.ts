// `roundtable party run --delegate` with the acceptance signed away from the runner, through the
// real CLI on a local chain: the export's digest is the contract's own `digestOf` the signer's
// screen must show, a signature by another key is refused before anything is sent, and with the
// right signature the delegate (funded by hand, no key file of the party given) runs the session.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import {
  type Address,
  getAddress,
  type Hex,
  hashTypedData,
  numberToHex,
  type TypedDataDefinition,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { ActionType } from "../../src/sdk/types.js";
import {
  type CliRun,
  expectExit,
  jsonOf,
  runCli,
  startTestChain,
  type TestAccount,
  type TestChain,
  tempDir,
  testAccount,
} from "../cli/helpers.js";
import { jsonRpc } from "../helpers/jsonRpc.js";

type Exported = {
  sessionId: string;
  party: number;
  account: Address;
  delegate: Address;
  domainSeparator: Hex;
  structHash: Hex;
  digest: Hex;
  typedData: {
    types: Record<string, { name: string; type: string }[]>;
    primaryType: "Accept";
    domain: TypedDataDefinition["domain"];
    message: {
      sessionId: string;
      party: number;
      configHash: Hex;
      encryptionKey: Hex;
      delegate: Address;
    };
  };
};

describe("roundtable party run --delegate, acceptance signed elsewhere", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let directory: string;
  let storePasswordFile: string;
  let initiator: TestAccount;
  let parties: TestAccount[];
  let contract: Address;

  const keyFlags = (account: TestAccount) => [
    "--key-file",
    account.keyFile,
    "--password-file",
    account.passwordFile,
  ];

  function partyRun(account: TestAccount, sessionId: string, extra: string[]): Promise<CliRun> {
    return runCli(
      [
        "party",
        "run",
        "--session",
        sessionId,
        "--store",
        join(directory, `store-${account.address}`),
        "--store-password-file",
        storePasswordFile,
        ...extra,
      ],
      chain.env,
    );
  }

  before(async () => {
    directory = await tempDir("delegates");
    storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "delegates initiator");
    parties = await Promise.all(
      ["a", "b", "c"].map((l) => testAccount(directory, `delegates ${l}`)),
    );
    chain = await startTestChain([initiator, ...parties].map((a) => a.address));
  });

  after(async () => {
    await chain?.stop();
  });

  it("exports the acceptance, refuses another key's signature, then runs the rounds with the delegate", async () => {
    const created = await runCli(
      [
        "session",
        "create",
        ...keyFlags(initiator),
        "--parties",
        parties.map((p) => p.address).join(","),
        "--threshold",
        "2",
        "--round-duration",
        "600",
        "--json",
      ],
      chain.env,
    );
    expectExit(created, 0);
    const { sessionId, configHash } = jsonOf(created) as { sessionId: string; configHash: Hex };
    const shown = jsonOf(await runCli(["session", "show", sessionId, "--json"], chain.env));
    const [a, b, c] = parties as [TestAccount, TestAccount, TestAccount];
    const accept = ["--yes", "--expect-config-hash", configHash];
    const away = ["--party-account", a.address, "--delegate", ...accept];

    // 1. Export: nothing sent, the typed data and its hashes written.
    const file = join(directory, "accept.json");
    const exported = await partyRun(a, sessionId, [...away, "--export-acceptance", file, "--json"]);
    expectExit(exported, 0);
    expect(jsonOf(exported).status).to.equal("exported");
    const request = JSON.parse(await readFile(file, "utf8")) as Exported;
    expect(request.account).to.equal(a.address);
    expect(request.typedData.types.EIP712Domain).to.have.length(4);
    const typedData = {
      ...request.typedData,
      message: {
        ...request.typedData.message,
        sessionId: BigInt(request.typedData.message.sessionId),
      },
    } as unknown as TypedDataDefinition;
    expect(hashTypedData(typedData)).to.equal(request.digest);
    contract = getAddress(request.typedData.domain?.verifyingContract as Address);
    const onChain = await chain.publicClient.readContract({
      address: contract,
      abi: roundtableAbi,
      functionName: "digestOf",
      args: [
        {
          action: ActionType.Accept,
          sessionId: BigInt(sessionId),
          party: request.party,
          round: 0,
          accused: 0,
          word: configHash,
          data: encodeAcceptData({
            encryptionKey: request.typedData.message.encryptionKey,
            keyProof: `0x${"00".repeat(64)}`,
            delegate: request.delegate,
          }),
          signature: "0x",
        },
      ],
    });
    expect(onChain).to.equal(request.digest);
    expect(exported.stdout + exported.stderr).to.not.include("privateKey");

    // 2. A signature by another key: refused before anything is sent (exit 5).
    const wrong = await privateKeyToAccount(b.privateKey).signTypedData(typedData);
    const refused = await partyRun(a, sessionId, [...away, "--acceptance-signature", wrong]);
    expectExit(refused, 5);
    expect(refused.stderr).to.include(
      `is not account ${a.address}'s over digest ${request.digest}`,
    );
    const after = jsonOf(await runCli(["session", "show", sessionId, "--json"], chain.env));
    expect(after.actedCount).to.equal(shown.actedCount);

    // 3. The account's signature, from a file; the delegate pays for its own transactions.
    const signature = await privateKeyToAccount(a.privateKey).signTypedData(typedData);
    const signatureFile = join(directory, "accept.sig");
    await writeFile(signatureFile, `${signature}\n`);
    await jsonRpc(chain.rpcUrl, "hardhat_setBalance", [request.delegate, numberToHex(10n ** 18n)]);
    const runs = await Promise.all([
      partyRun(a, sessionId, [...away, "--acceptance-signature", `@${signatureFile}`, "--json"]),
      partyRun(b, sessionId, [...keyFlags(b), ...accept, "--json"]),
      partyRun(c, sessionId, [...keyFlags(c), ...accept, "--json"]),
    ]);
    for (const run of runs) expectExit(run, 0);
    const results = runs.map((run) => jsonOf(run));
    expect(results.map((r) => r.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    expect(results[0]?.party).to.equal(a.address);
    // The party's account sent no transaction: its one signature is the acceptance.
    expect(await chain.publicClient.getTransactionCount({ address: a.address })).to.equal(0);
    expect(
      await chain.publicClient.readContract({
        address: contract,
        abi: roundtableAbi,
        functionName: "delegateOf",
        args: [BigInt(sessionId), request.party],
      }),
    ).to.equal(request.delegate);
    expect(
      await chain.publicClient.getTransactionCount({ address: request.delegate }),
    ).to.be.greaterThan(1);
  });

  it("asks for --delegate with --export-acceptance, and for a signing route with --party-account (exit 2)", async () => {
    const [a] = parties as [TestAccount];
    const noDelegate = await partyRun(a, "1", ["--export-acceptance", "x.json"]);
    expectExit(noDelegate, 2);
    expect(noDelegate.stderr).to.include("add --delegate");
    const noRoute = await partyRun(a, "1", ["--party-account", a.address, "--delegate"]);
    expectExit(noRoute, 2);
    expect(noRoute.stderr).to.include(
      "--party-account names an account the runner holds no key of",
    );
    const badSignature = await partyRun(a, "1", [
      "--party-account",
      a.address,
      "--delegate",
      "--acceptance-signature",
      "0x1234",
    ]);
    expectExit(badSignature, 2);
    expect(badSignature.stderr).to.include('Invalid --acceptance-signature "0x1234"');
  });
});
