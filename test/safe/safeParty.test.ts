// A real Safe as a party (THREATS C7, D1–D4): the Safe singleton, proxy factory and fallback
// handler deployed on anvil from @safe-global/safe-contracts' published artifacts (no mock). Its
// owners, 2 of 3, approve the acceptance once through the Safe's own ERC-1271 check; the session
// delegate the acceptance names then runs the whole key generation through a relayer, and the
// auditor shows the Safe behind the acceptance and the delegate behind every later action.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { pino } from "pino";
import {
  type Abi,
  type Address,
  concatHex,
  encodeFunctionData,
  getAddress,
  type Hex,
  hashTypedData,
  keccak256,
  parseEventLogs,
  stringToHex,
  zeroAddress,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { createRelayedTransport } from "../../src/party/relayedTransport.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import { createDirectTransport, type Transport } from "../../src/party/transport.js";
import { createRelayer, type Relayer } from "../../src/relayer/server.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { auditAll, checkOf, failedChecks } from "../auditor/helpers.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";

type Artifact = { abi: Abi; bytecode: Hex };

/** A published artifact of @safe-global/safe-contracts, by its path under build/artifacts/contracts. */
async function safeArtifact(path: string): Promise<Artifact> {
  const require = createRequire(import.meta.url);
  const root = join(require.resolve("@safe-global/safe-contracts/package.json"), "..");
  return JSON.parse(
    await readFile(join(root, "build/artifacts/contracts", path), "utf8"),
  ) as Artifact;
}

describe("A Safe (2 of 3 owners) as a party, with a session delegate", function () {
  this.timeout(180_000);
  let anvil: Anvil;
  let contract: Address;
  let relayer: Relayer;
  let safe: Address;
  let handler: Address;
  let handlerAbi: Abi;
  const owners = [1, 2, 3]
    .map((i) => privateKeyToAccount(keccak256(stringToHex(`safe owner ${i}`))))
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const directories: string[] = [];
  const publicClient = () => anvil.publicClient as unknown as RoundtablePublicClient;

  async function newStore(): Promise<SecretStore> {
    const directory = await mkdtemp(join(tmpdir(), "roundtable-safe-"));
    directories.push(directory);
    return openFileSecretStore({
      directory,
      password: "test",
      scryptN: 2 ** 10,
      allowWeakKdf: true,
    });
  }

  async function deploy(artifact: Artifact, args: readonly unknown[] = []): Promise<Address> {
    const hash = await anvil.walletClient(0).deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: args as never,
    });
    const receipt = await publicClient().waitForTransactionReceipt({ hash });
    return getAddress(receipt.contractAddress as Address);
  }

  before(async () => {
    anvil = await startAnvil();
    ({ address: contract } = await deployRoundtableOnAnvil(anvil));
    const singletonArtifact = await safeArtifact("Safe.sol/Safe.json");
    const factoryArtifact = await safeArtifact(
      "proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
    );
    const handlerArtifact = await safeArtifact(
      "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json",
    );
    handlerAbi = handlerArtifact.abi;
    const singleton = await deploy(singletonArtifact);
    const factory = await deploy(factoryArtifact);
    handler = await deploy(handlerArtifact);
    const initializer = encodeFunctionData({
      abi: singletonArtifact.abi,
      functionName: "setup",
      args: [
        owners.map((o) => o.address),
        2n,
        zeroAddress,
        "0x",
        handler,
        zeroAddress,
        0n,
        zeroAddress,
      ],
    });
    const hash = await anvil.walletClient(0).writeContract({
      address: factory,
      abi: factoryArtifact.abi,
      functionName: "createProxyWithNonce",
      args: [singleton, initializer, 1n],
    });
    const receipt = await publicClient().waitForTransactionReceipt({ hash });
    const [created] = parseEventLogs({
      abi: factoryArtifact.abi,
      logs: receipt.logs,
      eventName: "ProxyCreation",
    }) as unknown as { args: { proxy: Address } }[];
    safe = getAddress(created!.args.proxy);

    const directory = await mkdtemp(join(tmpdir(), "roundtable-safe-relayer-"));
    directories.push(directory);
    relayer = await createRelayer({
      rpcUrl: anvil.rpcUrl,
      contract,
      account: mnemonicToAccount(developmentMnemonic, { addressIndex: 9 }),
      db: join(directory, "relayer.sqlite"),
      port: 0,
      maxBatchAgeMs: 50,
      confirmations: 1,
      pollIntervalMs: 50,
      logger: pino({ level: "silent" }),
    });
  });

  after(async () => {
    await relayer?.close();
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  /**
   * What the owners sign for a digest: the Safe's own message hash (EIP-712 `SafeMessage(bytes
   * message)` in the Safe's domain), each owner's 65-byte signature, in ascending owner order.
   */
  async function ownersApprove(digest: Hex, signers: typeof owners): Promise<Hex> {
    const typed = {
      domain: { chainId: anvil.chain.id, verifyingContract: safe },
      types: { SafeMessage: [{ name: "message", type: "bytes" }] },
      primaryType: "SafeMessage",
      message: { message: digest },
    } as const;
    // The Safe computes the same hash (its fallback handler's getMessageHashForSafe).
    const safeHash = await publicClient().readContract({
      address: handler,
      abi: handlerAbi,
      functionName: "getMessageHashForSafe",
      args: [safe, digest],
    });
    expect(safeHash).to.equal(hashTypedData(typed));
    return concatHex(await Promise.all(signers.map((owner) => owner.signTypedData(typed))));
  }

  it("approves the acceptance once through ERC-1271, then its delegate runs the whole key generation", async () => {
    const members = [4, 5].map((index) => ({
      account: mnemonicToAccount(developmentMnemonic, { addressIndex: index }),
      walletClient: anvil.walletClient(index) as unknown as RoundtableWalletClient,
    }));
    const parties = [safe, ...members.map((m) => m.account.address)].sort((a, b) =>
      BigInt(a) < BigInt(b) ? -1 : 1,
    );
    const { sessionId } = await createSession({
      publicClient: publicClient(),
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config: keygenConfig({ parties, threshold: 2 }),
    });
    const transports = (): Transport[] => [
      createRelayedTransport({
        url: relayer.url,
        publicClient: publicClient(),
        chainId: anvil.chain.id,
        address: contract,
        deliveryTimeout: 5_000,
        pollingInterval: 50,
      }),
      createDirectTransport({ publicClient: publicClient(), address: contract, payer: "delegate" }),
    ];
    const approvals: { digest: Hex; rejected: boolean }[] = [];
    const safeRun = runParty({
      publicClient: publicClient(),
      account: safe,
      address: contract,
      sessionId,
      store: await newStore(),
      transports: transports(),
      delegate: {
        signAcceptance: async (request) => {
          // One owner alone is below the Safe's threshold: the runner would refuse it. Checked
          // here with the Safe itself, then two owners approve.
          const one = await ownersApprove(request.digest, owners.slice(0, 1));
          const oneValid = await publicClient().verifyHash({
            address: safe,
            hash: request.digest,
            signature: one,
          });
          approvals.push({ digest: request.digest, rejected: !oneValid });
          return ownersApprove(request.digest, [owners[0]!, owners[2]!]);
        },
      },
      confirm: async () => true,
      pollingInterval: 50,
    });
    const memberRuns = members.map(async (m) =>
      runParty({
        publicClient: publicClient(),
        walletClient: m.walletClient,
        address: contract,
        sessionId,
        store: await newStore(),
        transports: transports(),
        delegate: true,
        confirm: async () => true,
        pollingInterval: 50,
      }),
    );
    const outcomes: PartyOutcome[] = await Promise.all([safeRun, ...memberRuns]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    expect(approvals).to.have.length(1);
    expect(approvals[0]?.rejected, "one owner of 2-of-3 must not be enough").to.equal(true);

    // The audit: the Safe (ERC-1271) behind its acceptance, its delegate behind every round.
    const [audit] = await auditAll({
      rpcUrls: [anvil.rpcUrl],
      contract,
      selection: { kind: "ids", ids: [sessionId] },
    });
    if (audit === undefined) expect.fail("nothing audited");
    expect(failedChecks(audit)).to.deep.equal([]);
    const index = parties.indexOf(safe);
    type Row = { party: number; signer: Address; signedBy: string; signature: string };
    const accepts = (checkOf(audit, "acceptance.signer").evidence as { actions: Row[] }).actions;
    const accept = accepts.find((r) => r.party === index);
    expect(accept).to.include({ signer: safe, signedBy: "account", signature: "erc1271" });
    const rounds = (checkOf(audit, "action.signer").evidence as { actions: Row[] }).actions.filter(
      (r) => r.party === index,
    );
    expect(rounds.length).to.be.greaterThan(1);
    for (const row of rounds) {
      expect(row.signedBy).to.equal("delegate");
      expect(row.signer).to.not.equal(safe);
    }
    // The owners never sent a transaction: their one act was the approval.
    for (const owner of owners) {
      expect(await publicClient().getTransactionCount({ address: owner.address })).to.equal(0);
    }
  });
});
