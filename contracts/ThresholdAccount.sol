// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccount} from "@account-abstraction/contracts/interfaces/IAccount.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Bip340} from "./Bip340.sol";
import {IRoundtable} from "./IRoundtable.sol";

/// @title ThresholdAccount
/// @notice An account controlled by the group key of one finalized Roundtable key-generation session: it executes
/// a batch of calls that the group signed (one BIP-340 signature over an EIP-712 intent), and answers ERC-1271 for
/// messages the group signed, and serves as an ERC-4337 (v0.8) account of one EntryPoint, fixed at creation.
/// No owner, no upgrade: the group key, read from Roundtable at creation, is all the authority there is. Deployed
/// by {ThresholdAccountFactory}, which checks the key session before creating it.
/// @dev Domain separation (threat W2): the three digests the group signs (intent, ERC-1271 message, user
/// operation) are EIP-712 under this account's domain (name, version, chain id, this address), each with its own
/// struct type, so their preimages differ in the type hash and a signature over one is never valid as another
/// (that would take a keccak256 collision), nor for another account or chain. All are keccak256 outputs with the
/// 0x1901 prefix, so none can equal a Bitcoin Taproot sighash (a SHA-256 tagged hash) without a preimage attack.
///
/// Two nonce streams, both replay-protected and independent: {nonce} (this contract's storage) orders the
/// intents of {execute}; the EntryPoint's nonce of key 0 (`getNonce(account, 0)`, which the EntryPoint checks and
/// spends itself, and which the user operation hash covers) orders user operations. A signature cannot move from
/// one stream to the other, because an intent digest and a user-operation digest have different struct types.
contract ThresholdAccount is EIP712, IERC1271, IAccount {
    /// @notice One call of an intent: `target.call{value: value}(data)`.
    struct Call {
        address target;
        uint256 value;
        bytes data;
    }

    /// @notice The signed intent. `callsHash` is {hashCalls} of the batch.
    bytes32 public constant INTENT_TYPEHASH = keccak256(
        "Intent(address account,uint256 nonce,uint256 deadline,bytes32 callsHash)"
    );

    /// @notice The wrapper of an ERC-1271 message hash, like Safe's SafeMessage.
    bytes32 public constant ACCOUNT_MESSAGE_TYPEHASH = keccak256("AccountMessage(bytes32 hash)");

    /// @notice The wrapper of an ERC-4337 user operation hash (the EntryPoint's, which covers the operation's
    /// fields, the EntryPoint and the chain); the wrapper binds it to this account's domain and type.
    bytes32 public constant USER_OPERATION_TYPEHASH = keccak256("UserOperation(bytes32 userOpHash)");

    /// @notice ERC-4337's validation result for a signature that does not verify.
    uint256 internal constant _SIG_VALIDATION_FAILED = 1;

    /// @notice The ERC-1271 answer for a valid signature, and for any other.
    bytes4 internal constant _MAGIC_VALUE = IERC1271.isValidSignature.selector;
    bytes4 internal constant _INVALID = 0xffffffff;

    /// @notice The Roundtable contract and key-generation session whose group key controls this account.
    IRoundtable public immutable ROUNDTABLE;
    uint256 public immutable KEY_SESSION;
    /// @notice The group's x-only (BIP-340) public key, the key session's result.
    uint256 public immutable GROUP_KEY;
    /// @notice The ERC-4337 EntryPoint this account serves; address(0) disables the ERC-4337 path.
    address public immutable ENTRY_POINT;

    /// @notice The nonce the next intent must carry; each executed intent spends one.
    uint256 public nonce;

    /// @notice The intent with nonce `nonce` and EIP-712 digest `digest` was executed.
    event ThresholdAccountExecuted(uint256 indexed nonce, bytes32 digest, address indexed submitter);

    error ThresholdAccountNoGroupKey(uint256 keySession, bytes result);
    error ThresholdAccountInvalidGroupKey(uint256 keySession, bytes32 key);
    error ThresholdAccountExpired(uint256 deadline, uint256 timestamp);
    error ThresholdAccountBadSignatureLength(uint256 length);
    error ThresholdAccountBadSignature(bytes32 digest);
    error ThresholdAccountCallFailed(uint256 index, bytes returndata);
    error ThresholdAccountNotEntryPoint(address caller, address entryPoint);
    error ThresholdAccountNonceKey(uint192 key);

    /// @dev Reads the group key itself rather than taking it as an argument, so the account's CREATE2 address
    /// depends on (roundtable, keySession) alone and is known before the key session even ends. The result must
    /// be a 32-byte x coordinate of a curve point that {Bip340.verify} accepts (in [1, n)); the factory checks
    /// that it is a finalized key generation of the Taproot ciphersuite (resultOf reverts unless finalized).
    constructor(
        IRoundtable roundtable,
        uint256 keySession,
        address entryPoint
    ) EIP712("Roundtable Threshold Account", "1") {
        bytes memory result = roundtable.resultOf(keySession);
        if (result.length != 32) revert ThresholdAccountNoGroupKey(keySession, result);
        uint256 key = uint256(bytes32(result));
        (bool onCurve, ) = Bip340.liftX(key);
        if (!onCurve || key >= Bip340.N) revert ThresholdAccountInvalidGroupKey(keySession, bytes32(key));
        ROUNDTABLE = roundtable;
        KEY_SESSION = keySession;
        GROUP_KEY = key;
        ENTRY_POINT = entryPoint;
    }

    /// @dev Calls from the EntryPoint only; with ENTRY_POINT = address(0) nobody passes (no call comes from 0).
    modifier onlyEntryPoint() {
        if (msg.sender != ENTRY_POINT || ENTRY_POINT == address(0)) {
            revert ThresholdAccountNotEntryPoint(msg.sender, ENTRY_POINT);
        }
        _;
    }

    /// @notice Accepts ETH from anyone.
    receive() external payable {}

    /// @notice Executes `calls` in order, as the group authorized them: `signature` (64 bytes, x(R) | s) must be
    /// the group's BIP-340 signature over {intentDigest}(nonce, deadline, hashCalls(calls)) for the current nonce.
    /// Anyone may submit it. All calls succeed or the whole intent reverts, spending nothing.
    /// @dev The nonce is spent before the calls, so a call that re-enters cannot replay this intent.
    /// @return results Each call's return data.
    function execute(
        Call[] calldata calls,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes[] memory results) {
        if (block.timestamp > deadline) revert ThresholdAccountExpired(deadline, block.timestamp);
        uint256 current = nonce;
        bytes32 digest = intentDigest(current, deadline, hashCalls(calls));
        if (signature.length != 64) revert ThresholdAccountBadSignatureLength(signature.length);
        if (!_isGroupSignature(digest, signature)) revert ThresholdAccountBadSignature(digest);
        nonce = current + 1;
        emit ThresholdAccountExecuted(current, digest, msg.sender);

        results = _run(calls);
    }

    /// @notice ERC-4337 validation: whether `userOp.signature` (64 bytes, x(R) | s) is the group's BIP-340
    /// signature over {userOperationDigest}(userOpHash). Returns 0 if so, 1 (SIG_VALIDATION_FAILED) if not, without
    /// reverting, as ERC-4337 asks; then pays the EntryPoint `missingAccountFunds`. Only the EntryPoint calls it.
    /// @dev Obeys ERC-7562: no storage is read (the key and EntryPoint are immutables), the only opcodes used
    /// besides arithmetic are CHAINID and ADDRESS (the EIP-712 domain), the SHA-256 and ecrecover precompiles, and
    /// a CALL to the EntryPoint; no TIMESTAMP, NUMBER, BLOCKHASH or BALANCE. The nonce is the EntryPoint's, which it
    /// checks itself; only key 0 is accepted, so the account's user operations form one ordered sequence.
    function validateUserOp(
        PackedUserOperation calldata userOp,
        bytes32 userOpHash,
        uint256 missingAccountFunds
    ) external onlyEntryPoint returns (uint256 validationData) {
        uint192 key = uint192(userOp.nonce >> 64);
        if (key != 0) revert ThresholdAccountNonceKey(key);
        bytes calldata signature = userOp.signature;
        bool valid = signature.length == 64 && _isGroupSignature(userOperationDigest(userOpHash), signature);
        validationData = valid ? 0 : _SIG_VALIDATION_FAILED;
        if (missingAccountFunds != 0) {
            // The EntryPoint checks the deposit it needs; a failed payment shows there, so the result is ignored.
            (bool paid, ) = payable(msg.sender).call{value: missingAccountFunds}("");
            (paid);
        }
    }

    /// @notice Runs `calls` in order for a user operation that {validateUserOp} accepted: the operation's
    /// `callData` is this function's calldata. Only the EntryPoint calls it. All calls succeed or all revert.
    /// @return results Each call's return data.
    function executeFromEntryPoint(Call[] calldata calls) external onlyEntryPoint returns (bytes[] memory results) {
        results = _run(calls);
    }

    /// @dev Executes `calls` in order, reverting all of them if one fails.
    function _run(Call[] calldata calls) private returns (bytes[] memory results) {
        results = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            Call calldata c = calls[i];
            (bool ok, bytes memory returndata) = c.target.call{value: c.value}(c.data);
            if (!ok) revert ThresholdAccountCallFailed(i, returndata);
            results[i] = returndata;
        }
    }

    /// @notice ERC-1271: whether `signature` is the group's BIP-340 signature over {messageDigest}(hash), the hash
    /// wrapped under this account's domain (never over `hash` itself). Never reverts on a malformed signature.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 64) return _INVALID;
        return _isGroupSignature(messageDigest(hash), signature) ? _MAGIC_VALUE : _INVALID;
    }

    /// @notice The hash of a batch of calls that an intent names: keccak256 of their ABI encoding as a `Call[]`
    /// (viem: `keccak256(encodeAbiParameters([{ type: "tuple[]", components: [...] }], [calls]))`).
    function hashCalls(Call[] calldata calls) public pure returns (bytes32) {
        return keccak256(abi.encode(calls));
    }

    /// @notice The EIP-712 digest the group signs to authorize the calls hashed in `callsHash`.
    function intentDigest(uint256 intentNonce, uint256 deadline, bytes32 callsHash) public view returns (bytes32) {
        return
            _hashTypedDataV4(keccak256(abi.encode(INTENT_TYPEHASH, address(this), intentNonce, deadline, callsHash)));
    }

    /// @notice The EIP-712 digest the group signs for an ERC-1271 message `hash`.
    function messageDigest(bytes32 hash) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ACCOUNT_MESSAGE_TYPEHASH, hash)));
    }

    /// @notice The EIP-712 digest the group signs to authorize the user operation whose EntryPoint hash is
    /// `userOpHash` (`IEntryPoint.getUserOpHash`).
    function userOperationDigest(bytes32 userOpHash) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(USER_OPERATION_TYPEHASH, userOpHash)));
    }

    /// @dev `signature` is 64 bytes: x(R) then s, as BIP-340 serializes it.
    function _isGroupSignature(bytes32 digest, bytes calldata signature) private view returns (bool) {
        return Bip340.verify(GROUP_KEY, uint256(bytes32(signature[0:32])), uint256(bytes32(signature[32:64])), digest);
    }
}
