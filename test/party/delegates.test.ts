// Parties that run with session delegates (threats D1–D4), on a real anvil chain with a real
// relayer: each account signs one thing per session (its acceptance) and sends no transaction; the
// delegate key is in the store before the acceptance naming it leaves, and gone at the end; and a
// delegate's signature is refused, by the contract and the relayer, for another session, another
// party, or an acceptance.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { pino } from "pino";
import {
  type Abi,
  type Address,
  bytesToHex,
  getAddress,
  type Hex,
  keccak256,
  stringToHex,
  zeroAddress,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { newEncryptionSecretKey } from "../../src/party/acceptance.js";
import { PartyError } from "../../src/party/errors.js";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { DELEGATE_KEY_RECORD, ENCRYPTION_KEY_RECORD } from "../../src/party/records.js";
import { createRelayedTransport } from "../../src/party/relayedTransport.js";
import { type PartyOutcome, type RunPartyParameters, runParty } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import { readSessionView } from "../../src/party/sessionView.js";
import { createDirectTransport, type Transport } from "../../src/party/transport.js";
import { secureRandom } from "../../src/protocol/index.js";
import { createRelayer, type Relayer } from "../../src/relayer/server.js";
import { acceptSession } from "../../src/sdk/actions/acceptSession.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { decodeAcceptData, encodeAcceptData } from "../../src/sdk/eip712.js";
import { proveEncryptionKey } from "../../src/sdk/encryptionKeyProof.js";
import { toRoundtableError } from "../../src/sdk/errors.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import { signAction } from "../../src/sdk/signAction.js";
import { ActionType, type SignedAction, type UnsignedAction } from "../../src/sdk/types.js";
import { verifyActionOrigin } from "../../src/sdk/verifyActionOrigin.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";

type Member = {
  address: Address;
  account: ReturnType<typeof mnemonicToAccount>;
  walletClient: RoundtableWalletClient;
  store: SecretStore;
};

describe("runParty › with session delegates (D1–D4)", function () {
  this.timeout(180_000);
  let anvil: Anvil;
  let contract: Address;
  let relayer: Relayer;
  let members: Member[];
  const directories: string[] = [];
  const stop = new AbortController();
  const publicClient = () => anvil.publicClient as unknown as RoundtablePublicClient;

  async function newStore(): Promise<SecretStore> {
    const directory = await mkdtemp(join(tmpdir(), "roundtable-delegates-"));
    directories.push(directory);
    return openFileSecretStore({
      directory,
      password: "test",
      scryptN: 2 ** 10,
      allowWeakKdf: true,
    });
  }

  before(async () => {
    anvil = await startAnvil();
    ({ address: contract } = await deployRoundtableOnAnvil(anvil));
    const directory = await mkdtemp(join(tmpdir(), "roundtable-delegates-relayer-"));
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
    members = [];
    for (const index of [2, 3, 4]) {
      const account = mnemonicToAccount(developmentMnemonic, { addressIndex: index });
      members.push({
        address: account.address,
        account,
        walletClient: anvil.walletClient(index) as unknown as RoundtableWalletClient,
        store: await newStore(),
      });
    }
    members.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  });

  after(async () => {
    stop.abort(new Error("tests ended"));
    await relayer?.close();
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  async function newKeygen(): Promise<bigint> {
    const { sessionId } = await createSession({
      publicClient: publicClient(),
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config: keygenConfig({ parties: members.map((m) => m.address), threshold: 2 }),
    });
    return sessionId;
  }

  /** Through the relayer only, then the delegate's own (unfunded) transaction: never the account's. */
  function delegatedTransports(): Transport[] {
    return [
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
  }

  function runMember(
    member: Member,
    sessionId: bigint,
    overrides: Partial<RunPartyParameters> = {},
  ): Promise<PartyOutcome> {
    return runParty({
      publicClient: publicClient(),
      walletClient: member.walletClient,
      address: contract,
      sessionId,
      store: member.store,
      transports: delegatedTransports(),
      delegate: true,
      confirm: async () => true,
      pollingInterval: 50,
      signal: stop.signal,
      ...overrides,
    });
  }

  /**
   * Per party, how many of its recorded actions its account signed and how many its delegate
   * signed, from the chain: each action's transaction, its calldata and its signature.
   */
  async function signaturesOf(
    sessionId: bigint,
  ): Promise<{ account: number; delegate: number; named: Address | undefined }[]> {
    const view = await readSessionView({
      publicClient: publicClient(),
      address: contract,
      sessionId,
      account: zeroAddress,
    });
    const counts = view.parties.map((_, i) => ({
      account: 0,
      delegate: 0,
      named: view.delegates[i],
    }));
    for (const action of view.actions) {
      const origin = await verifyActionOrigin({
        publicClient: publicClient(),
        chainId: anvil.chain.id,
        contract,
        sessionId,
        action,
        delegate: action.kind === "accept" ? undefined : view.delegates[action.party],
      });
      if ("verified" in origin) expect.fail(origin.reason);
      expect(origin.by).to.not.equal("erc1271");
      counts[action.party]![origin.by as "account" | "delegate"]++;
    }
    return counts;
  }

  it("runs a key generation and a signing session in which each account signs only its acceptance", async () => {
    const nonces = await Promise.all(
      members.map((m) => publicClient().getTransactionCount({ address: m.address })),
    );
    const keySession = await newKeygen();
    const keygen = await Promise.all(members.map((m) => runMember(m, keySession)));
    expect(keygen.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    const groupKey = keygen[0]?.status === "finalized" ? keygen[0].result : undefined;

    const [a, , c] = members as [Member, Member, Member];
    const { sessionId: signingSession } = await createSession({
      publicClient: publicClient(),
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config: signingConfig({
        keySession,
        signers: [a.address, c.address],
        threshold: 2,
        message: keccak256(stringToHex("delegates sign this")),
      }),
    });
    const signing = await Promise.all([a, c].map((m) => runMember(m, signingSession)));
    expect(signing.map((o) => o.status)).to.deep.equal(["finalized", "finalized"]);
    if (signing[0]?.status === "finalized") expect(signing[0].groupPublicKey).to.equal(groupKey);

    for (const [sessionId, count] of [
      [keySession, 3],
      [signingSession, 2],
    ] as const) {
      const signatures = await signaturesOf(sessionId);
      expect(signatures).to.have.length(count);
      for (const s of signatures) {
        expect(s.account, `session ${sessionId}`).to.equal(1);
        expect(s.delegate, `session ${sessionId}`).to.be.greaterThan(1);
        expect(s.named).to.be.a("string");
      }
      const named = signatures.map((s) => s.named);
      expect(new Set(named).size, "one delegate per party").to.equal(count);
    }
    // A new delegate per session: none of the key session's delegates signs in the signing session.
    const keygenDelegates = (await signaturesOf(keySession)).map((s) => s.named);
    for (const s of await signaturesOf(signingSession)) {
      expect(keygenDelegates).to.not.include(s.named);
    }
    // No account sent a transaction: the relayer carried everything.
    const after = await Promise.all(
      members.map((m) => publicClient().getTransactionCount({ address: m.address })),
    );
    expect(after).to.deep.equal(nonces);
    // The delegate keys went with the other session secrets.
    for (const [index, member] of members.entries()) {
      const binding = { chainId: anvil.chain.id, contract, sessionId: keySession, party: index };
      expect(await member.store.get(binding, DELEGATE_KEY_RECORD)).to.equal(undefined);
      expect(await member.store.get(binding, ENCRYPTION_KEY_RECORD)).to.equal(undefined);
    }
  });

  it("stores the delegate key before the acceptance naming it is sent, and resumes with it after a stop", async () => {
    const sessionId = await newKeygen();
    const [first, ...others] = members as [Member, Member, Member];
    const binding = { chainId: anvil.chain.id, contract, sessionId, party: 0 };
    const seenAtSend: (Address | undefined)[] = [];
    const named: Address[] = [];
    const stopFirst = new AbortController();
    // Wraps the relayer: at the acceptance, the store must already hold the key named in it.
    const [relayed, direct] = delegatedTransports() as [Transport, Transport];
    const watching: Transport = {
      name: relayed.name,
      async submit(action, authority) {
        if (action.action === ActionType.Accept) {
          const key = await first.store.get(binding, DELEGATE_KEY_RECORD);
          seenAtSend.push(
            key === undefined ? undefined : privateKeyToAccount(bytesToHex(key)).address,
          );
          named.push(getAddress(decodeAcceptData(action.data).delegate));
        }
        const receipt = await relayed.submit(action, authority);
        if (action.action === ActionType.Accept)
          stopFirst.abort(new Error("crash after accepting"));
        return receipt;
      },
    };
    const stopped = await runMember(first, sessionId, {
      transports: [watching, direct],
      signal: AbortSignal.any([stop.signal, stopFirst.signal]),
    }).catch((error: unknown) => error);
    expect(stopped).to.be.instanceOf(PartyError);
    expect((stopped as PartyError).code).to.equal("STOPPED");
    expect(seenAtSend).to.deep.equal(named);
    expect(named).to.have.length(1);

    const outcomes = await Promise.all([
      runMember(first, sessionId),
      ...others.map((m) => runMember(m, sessionId)),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    const signatures = await signaturesOf(sessionId);
    expect(signatures[0]?.named).to.equal(named[0]);
    expect(signatures[0]?.account).to.equal(1);
  });

  it("lets a contract-wallet party (ERC-1271) approve once, away from the runner, and its delegate run the rounds", async () => {
    // A one-owner ERC-1271 wallet (contracts/mocks) stands in for a Safe: no wallet client, no gas.
    const artifact = JSON.parse(
      await readFile(
        "artifacts/contracts/mocks/MockERC1271Wallet.sol/MockERC1271Wallet.json",
        "utf8",
      ),
    ) as { abi: Abi; bytecode: Hex };
    const owner = privateKeyToAccount(keccak256(stringToHex("owner of the wallet party")));
    const hash = await anvil.walletClient(1).deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: [owner.address, 0n],
    });
    const receipt = await publicClient().waitForTransactionReceipt({ hash });
    const wallet = getAddress(receipt.contractAddress as Address);
    const others = members.slice(0, 2);
    const parties = [wallet, ...others.map((m) => m.address)].sort((x, y) =>
      BigInt(x) < BigInt(y) ? -1 : 1,
    );
    const { sessionId } = await createSession({
      publicClient: publicClient(),
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config: keygenConfig({ parties, threshold: 2 }),
    });
    const digests: Hex[] = [];
    const outcomes = await Promise.all([
      runParty({
        publicClient: publicClient(),
        account: wallet,
        address: contract,
        sessionId,
        store: await newStore(),
        transports: delegatedTransports(),
        delegate: {
          // The owner signs the digest the runner shows, as a Safe's owners would approve it.
          signAcceptance: async (request) => {
            digests.push(request.digest);
            return owner.sign({ hash: request.digest });
          },
        },
        confirm: async () => true,
        pollingInterval: 50,
        signal: stop.signal,
      }),
      ...others.map((m) => runMember(m, sessionId)),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    expect(digests).to.have.length(1);
    const view = await readSessionView({
      publicClient: publicClient(),
      address: contract,
      sessionId,
      account: zeroAddress,
    });
    const index = parties.indexOf(wallet);
    const by: string[] = [];
    for (const action of view.actions.filter((a) => a.party === index)) {
      const origin = await verifyActionOrigin({
        publicClient: publicClient(),
        chainId: anvil.chain.id,
        contract,
        sessionId,
        action,
        delegate: action.kind === "accept" ? undefined : view.delegates[index],
      });
      if ("verified" in origin) expect.fail(origin.reason);
      by.push(origin.by);
    }
    expect(by[0]).to.equal("erc1271");
    expect(by.slice(1).length).to.be.greaterThan(1);
    expect(new Set(by.slice(1))).to.deep.equal(new Set(["delegate"]));
    expect(await publicClient().getTransactionCount({ address: owner.address })).to.equal(0);
  });

  describe("a delegate's signature elsewhere", () => {
    let sessionA: bigint;
    let sessionB: bigint;
    const delegateA = privateKeyToAccount(keccak256(stringToHex("delegate of party 0 in A")));
    const delegateB = privateKeyToAccount(keccak256(stringToHex("delegate of party 0 in B")));

    /** A session whose parties accepted by hand, party 0 naming `delegate`; now in round 1. */
    async function acceptedSession(delegate: Address): Promise<bigint> {
      const sessionId = await newKeygen();
      const config = keygenConfig({ parties: members.map((m) => m.address), threshold: 2 });
      for (const [index, member] of members.entries()) {
        await acceptSession({
          publicClient: publicClient(),
          walletClient: member.walletClient,
          address: contract,
          sessionId,
          party: index,
          configHash: hashSessionConfig(config),
          ...proveEncryptionKey({
            secretKey: newEncryptionSecretKey(secureRandom),
            chainId: anvil.chain.id,
            contract,
            sessionId,
            party: index,
          }),
          delegate: index === 0 ? delegate : zeroAddress,
        });
      }
      return sessionId;
    }

    function submitRound1(sessionId: bigint, party: number): UnsignedAction {
      return {
        action: ActionType.Submit,
        sessionId,
        party,
        round: 1,
        accused: 0,
        word: `0x${"00".repeat(32)}`,
        data: "0x1234",
      };
    }

    async function signedBy(
      account: ReturnType<typeof privateKeyToAccount> | Member["account"],
      action: UnsignedAction,
    ): Promise<SignedAction> {
      return signAction({ account, chainId: anvil.chain.id, contract, action });
    }

    /** The contract's verdict on `applySigned(action)`: "ok" or the error's name. */
    async function contractVerdict(action: SignedAction): Promise<string> {
      try {
        await publicClient().simulateContract({
          address: contract,
          abi: roundtableAbi,
          functionName: "applySigned",
          args: [action],
          account: relayer.address,
        });
        return "ok";
      } catch (error) {
        const decoded = toRoundtableError(error) as { errorName?: string };
        return decoded.errorName ?? "unknown";
      }
    }

    /** The relayer's answer to the action: its HTTP status and error code. */
    async function relayerVerdict(
      action: SignedAction,
    ): Promise<{ status: number; code?: string }> {
      const response = await fetch(new URL("v1/actions", `${relayer.url}/`), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...action, sessionId: action.sessionId.toString() }),
      });
      const body = (await response.json()) as { error?: { code?: string } };
      return { status: response.status, ...(body.error?.code ? { code: body.error.code } : {}) };
    }

    before(async () => {
      sessionA = await acceptedSession(delegateA.address);
      sessionB = await acceptedSession(delegateB.address);
    });

    it("is accepted for its own party in its own session (the control)", async () => {
      expect(await contractVerdict(await signedBy(delegateA, submitRound1(sessionA, 0)))).to.equal(
        "ok",
      );
    });

    it("is refused for another session (D1), by the contract and the relayer", async () => {
      const replayed = await signedBy(delegateA, submitRound1(sessionB, 0));
      expect(await contractVerdict(replayed)).to.equal("RoundtableInvalidSignature");
      expect(await relayerVerdict(replayed)).to.deep.equal({ status: 422, code: "wrong_signer" });
    });

    it("is refused for another party of its session (D1), by the contract and the relayer", async () => {
      const other = await signedBy(delegateA, submitRound1(sessionA, 1));
      expect(await contractVerdict(other)).to.equal("RoundtableInvalidSignature");
      expect(await relayerVerdict(other)).to.deep.equal({ status: 422, code: "wrong_signer" });
    });

    it("cannot accept for its party (D2); the account's acceptance naming it does not replay (D3)", async () => {
      const sessionC = await newKeygen();
      const config = keygenConfig({ parties: members.map((m) => m.address), threshold: 2 });
      const data = encodeAcceptData({
        ...proveEncryptionKey({
          secretKey: newEncryptionSecretKey(secureRandom),
          chainId: anvil.chain.id,
          contract,
          sessionId: sessionC,
          party: 0,
        }),
        delegate: delegateA.address,
      });
      const accept: UnsignedAction = {
        action: ActionType.Accept,
        sessionId: sessionC,
        party: 0,
        round: 0,
        accused: 0,
        word: hashSessionConfig(config),
        data,
      };
      const byDelegate = await signedBy(delegateA, accept);
      expect(await contractVerdict(byDelegate)).to.equal("RoundtableInvalidSignature");
      expect(await relayerVerdict(byDelegate)).to.deep.equal({ status: 422, code: "wrong_signer" });
      // The account's own acceptance naming that delegate, replayed into another session (D3).
      const byAccount = await signedBy(members[0]!.account, accept);
      expect(await contractVerdict(byAccount)).to.equal("ok");
      // Into a clone session (same configuration hash) with a key proof made for it: only the
      // signature binds the acceptance to session C.
      const clone = await newKeygen();
      const replayed: SignedAction = {
        ...byAccount,
        sessionId: clone,
        data: encodeAcceptData({
          ...proveEncryptionKey({
            secretKey: newEncryptionSecretKey(secureRandom),
            chainId: anvil.chain.id,
            contract,
            sessionId: clone,
            party: 0,
          }),
          delegate: delegateA.address,
        }),
      };
      expect(await contractVerdict(replayed)).to.equal("RoundtableInvalidSignature");
      expect(await relayerVerdict(replayed)).to.deep.equal({ status: 422, code: "wrong_signer" });
    });

    it("says plainly when a delegate without gas is to send its own transaction", async () => {
      const unfunded = privateKeyToAccount(keccak256(stringToHex("a delegate with no ETH")));
      const action = submitRound1(sessionA, 0);
      const transport = createDirectTransport({
        publicClient: publicClient(),
        address: contract,
        payer: "delegate",
      });
      const signature = (await signedBy(unfunded, action)).signature;
      const error = await transport
        .submit(action, { signature, delegate: unfunded })
        .catch((e: unknown) => e);
      expect(String((error as Error).message)).to.include(unfunded.address);
      expect(String((error as Error).message)).to.match(/has no ETH/);
    });
  });
});
