// contracts/ThresholdAccount.sol and ThresholdAccountFactory.sol on Hardhat's in-process chain, signed by
// noble-curves' BIP-340 signer (random auxiliary data, so fresh nonces): a Taproot key generation finalizes
// on a real Roundtable with the group's x-only key, the factory deploys the account at its predicted address,
// a stranger executes a signed intent, and the gas comes from the transactions' receipts. The refusals
// (replay, deadline, other account, chain or key, ERC-1271 wrapping) are covered in
// test/contracts/ThresholdAccount.t.sol; here the replay and the ERC-1271 answer are checked again against
// noble's signatures.

import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import { network } from "hardhat";
import {
  type Address,
  type BaseError,
  bytesToHex,
  ContractFunctionRevertedError,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  getContract,
  type Hex,
  hashTypedData,
  hexToBytes,
  keccak256,
  parseAbi,
  parseEther,
  stringToHex,
  toHex,
  zeroAddress,
} from "viem";
import { eoaParties } from "../helpers/accounts.js";
import { keyGenerationConfig } from "../helpers/configs.js";
import { bytesOf, keyGenerationSizes } from "../helpers/payloads.js";
import {
  acceptDirect,
  addressesOf,
  createSession,
  deployRoundtable,
  fund,
  mined,
  submitDirect,
} from "../helpers/roundtable.js";

const connection = await network.create();
const { viem } = connection;

// Hardhat types the artifacts of contracts/ only when tsconfig includes them, which it does not: the ABIs
// used here are spelled out, and a mismatch with the contracts fails every call.
const accountAbi = parseAbi([
  "struct Call { address target; uint256 value; bytes data; }",
  "function execute(Call[] calls, uint256 deadline, bytes signature) returns (bytes[])",
  "function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)",
  "function intentDigest(uint256 intentNonce, uint256 deadline, bytes32 callsHash) view returns (bytes32)",
  "function messageDigest(bytes32 hash) view returns (bytes32)",
  "function nonce() view returns (uint256)",
  "function GROUP_KEY() view returns (uint256)",
  "error ThresholdAccountBadSignature(bytes32 digest)",
]);
const factoryAbi = parseAbi([
  "struct RoundSpec { uint32 duration; bool commitReveal; }",
  "struct SessionConfig { uint8 kind; bytes32 protocol; bytes32 ciphersuite; address[] parties; uint8 threshold; RoundSpec[] rounds; uint32 acceptanceDuration; uint256 keySession; bytes32 message; bytes params; }",
  "function accountAddress(uint256 keySession) view returns (address)",
  "function createAccount(uint256 keySession, SessionConfig config) returns (address)",
]);

const TAPROOT = stringToHex("FROST-secp256k1-SHA256-TR-v1", { size: 32 });
const MAGIC = "0x1626ba7e";
/** Gas of a transaction's calldata (EIP-2028; Prague's floor of EIP-7623 is below it for these calls). */
const calldataGas = (data: Hex): bigint =>
  hexToBytes(data).reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);

type Call = { target: Address; value: bigint; data: Hex };
const hashCalls = (calls: readonly Call[]): Hex =>
  keccak256(
    encodeAbiParameters(
      [
        {
          type: "tuple[]",
          components: [
            { name: "target", type: "address" },
            { name: "value", type: "uint256" },
            { name: "data", type: "bytes" },
          ],
        },
      ],
      [calls],
    ),
  );

/** The intent's EIP-712 digest, from viem's typed-data hashing rather than the contract. */
async function intentDigest(account: Address, nonce: bigint, deadline: bigint, calls: Call[]) {
  return hashTypedData({
    domain: {
      name: "Roundtable Threshold Account",
      version: "1",
      chainId: await (await viem.getPublicClient()).getChainId(),
      verifyingContract: account,
    },
    types: {
      Intent: [
        { name: "account", type: "address" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
        { name: "callsHash", type: "bytes32" },
      ],
    },
    primaryType: "Intent",
    message: { account, nonce, deadline, callsHash: hashCalls(calls) },
  });
}

const sign = (secret: Uint8Array, digest: Hex): Hex =>
  bytesToHex(schnorr.sign(hexToBytes(digest), secret));

describe("ThresholdAccount (noble-curves signatures, gas from receipts)", () => {
  const groupSecret = schnorr.utils.randomSecretKey();
  const groupKey = bytesToHex(schnorr.getPublicKey(groupSecret));

  async function setup() {
    const d = await deployRoundtable(connection);
    const parties = eoaParties("threshold account", 3);
    await fund(d, parties);
    const config = keyGenerationConfig(addressesOf(parties), 2, { ciphersuite: TAPROOT });
    const session = await createSession(d, config, parties);
    for (let i = 0; i < 3; i++) await acceptDirect(d, session, i);
    const sizes = keyGenerationSizes(3, 2);
    for (const round of [1, 2])
      for (let i = 0; i < 3; i++)
        await submitDirect(d, session, i, round, bytesOf(`ta/${round}/${i}`, sizes[round - 1]!));
    for (let i = 0; i < 3; i++) await submitDirect(d, session, i, 3, groupKey);
    expect(await d.roundtable.read.resultOf([session.id])).to.equal(groupKey);

    // No EntryPoint (address(0)): the ERC-4337 path is tested in test/cli/account4337.test.ts.
    const factoryDeployed = await viem.deployContract("ThresholdAccountFactory", [
      d.roundtable.address,
      zeroAddress,
    ]);
    const factory = getContract({
      address: factoryDeployed.address,
      abi: factoryAbi,
      client: d.publicClient,
    });
    const predicted = await factory.read.accountAddress([session.id]);
    expect(await d.publicClient.getCode({ address: predicted })).to.equal(undefined);
    const [, , , stranger] = await viem.getWalletClients();
    await mined(
      d,
      stranger!.writeContract({
        address: factoryDeployed.address,
        abi: factoryAbi,
        functionName: "createAccount",
        args: [session.id, config],
      }),
    );
    const account = getContract({
      address: predicted,
      abi: accountAbi,
      client: d.publicClient,
    });
    expect(toHex(await account.read.GROUP_KEY(), { size: 32 })).to.equal(groupKey);
    await connection.networkHelpers.setBalance(predicted, parseEther("1"));
    return { d, account, stranger: stranger! };
  }

  it("a stranger executes the group's intent; the replay is refused; gas from receipts", async () => {
    const { d, account, stranger } = await setup();
    const recipient = getAddress(bytesToHex(hexToBytes(keccak256(toHex("recipient"))).slice(12)));
    const calls: Call[] = [{ target: recipient, value: parseEther("0.25"), data: "0x" }];
    const deadline = (await d.publicClient.getBlock()).timestamp + 3600n;
    const digest = await intentDigest(account.address, 0n, deadline, calls);
    expect(await account.read.intentDigest([0n, deadline, hashCalls(calls)])).to.equal(digest);
    const signature = sign(groupSecret, digest);

    const data = encodeFunctionData({
      abi: accountAbi,
      functionName: "execute",
      args: [calls, deadline, signature],
    });
    const receipt = await mined(d, stranger.sendTransaction({ to: account.address, data }));
    expect(await d.publicClient.getBalance({ address: recipient })).to.equal(parseEther("0.25"));
    expect(await account.read.nonce()).to.equal(1n);

    try {
      await d.publicClient.simulateContract({
        address: account.address,
        abi: accountAbi,
        functionName: "execute",
        args: [calls, deadline, signature],
        account: stranger.account,
      });
      expect.fail("the replay executed");
    } catch (error) {
      const revert = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
      expect(revert, String(error)).to.be.instanceOf(ContractFunctionRevertedError);
      const decoded = (revert as ContractFunctionRevertedError).data;
      expect(decoded?.errorName).to.equal("ThresholdAccountBadSignature");
      expect(decoded?.args).to.deep.equal([
        await intentDigest(account.address, 1n, deadline, calls),
      ]);
    }

    // ERC-1271 through a transaction, so that its receipt gives the check's gas.
    const hash = keccak256(toHex("release v1.2.0"));
    const wrapped = await account.read.messageDigest([hash]);
    const messageSignature = sign(groupSecret, wrapped);
    expect(await account.read.isValidSignature([hash, messageSignature])).to.equal(MAGIC);
    expect(await account.read.isValidSignature([hash, sign(groupSecret, hash)])).to.not.equal(
      MAGIC,
    );
    const checkData = encodeFunctionData({
      abi: accountAbi,
      functionName: "isValidSignature",
      args: [hash, messageSignature],
    });
    const check = await mined(
      d,
      stranger.sendTransaction({ to: account.address, data: checkData }),
    );

    const executeGas = receipt.gasUsed;
    const checkGas = check.gasUsed - 21_000n - calldataGas(checkData);
    console.log(
      `      execute, one ETH transfer to a new address: ${executeGas} gas (receipt), ${executeGas - 21_000n - calldataGas(data)} without the base and calldata`,
    );
    console.log(
      `      isValidSignature: ${check.gasUsed} gas (receipt), ${checkGas} without the base and calldata`,
    );
    expect(executeGas < 100_000n, `${executeGas}`).to.equal(true);
    expect(checkGas < 12_000n, `${checkGas}`).to.equal(true);
  });
});
