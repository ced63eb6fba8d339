// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {IRoundtable} from "./IRoundtable.sol";
import {ThresholdAccount} from "./ThresholdAccount.sol";

/// @title ThresholdAccountFactory
/// @notice Deploys the {ThresholdAccount} of a Roundtable key-generation session with CREATE2, at an address that
/// depends only on (this factory, its Roundtable and EntryPoint, the key session id), so it is known, and can
/// receive funds, before the account exists or the key generation ends. Creating it twice returns the existing
/// account.
/// @dev The contract cannot read a session's kind or ciphersuite from Roundtable, only its configuration hash. So
/// the creator passes the session's configuration (as in its `SessionCreated` event), and the factory checks that
/// it hashes to the recorded hash: that makes its `kind` and `ciphersuite` fields as sound as Roundtable's record.
/// A finalized key generation of the Taproot ciphersuite (FROST-secp256k1-SHA256-TR-v1) agreed on a 32-byte
/// x-only group key, which the account's constructor reads and checks is a curve point.
contract ThresholdAccountFactory {
    /// @notice The ciphersuite whose group key is a BIP-340 x-only key, as the SDK names it on chain
    /// (`stringToHex("FROST-secp256k1-SHA256-TR-v1", { size: 32 })`).
    bytes32 public constant TAPROOT_CIPHERSUITE = "FROST-secp256k1-SHA256-TR-v1";

    IRoundtable public immutable ROUNDTABLE;
    /// @notice The ERC-4337 EntryPoint every account of this factory serves (address(0): none, the ERC-4337 path
    /// is disabled). Fixed here so that it is part of the accounts' init code, hence of their CREATE2 address.
    address public immutable ENTRY_POINT;

    /// @notice The account of `keySession` was deployed at `account`.
    event ThresholdAccountCreated(uint256 indexed keySession, address indexed account, uint256 groupKey);

    error ThresholdAccountFactoryConfigMismatch(uint256 keySession, bytes32 recorded, bytes32 given);
    error ThresholdAccountFactoryNotKeyGeneration(uint256 keySession, IRoundtable.SessionKind kind);
    error ThresholdAccountFactoryUnsupportedCiphersuite(uint256 keySession, bytes32 ciphersuite);
    error ThresholdAccountFactoryNotFinalized(uint256 keySession, IRoundtable.Phase phase);

    constructor(IRoundtable roundtable, address entryPoint) {
        ROUNDTABLE = roundtable;
        ENTRY_POINT = entryPoint;
    }

    /// @notice The address of `keySession`'s account, deployed or not.
    function accountAddress(uint256 keySession) public view returns (address) {
        return Create2.computeAddress(bytes32(keySession), keccak256(_initCode(keySession)));
    }

    /// @notice Deploys `keySession`'s account if it is not there yet, and returns its address. Anyone may call it.
    /// @param config The key session's configuration, which must hash to Roundtable's `configHashOf(keySession)`:
    /// a key generation of the Taproot ciphersuite. The session must be finalized.
    function createAccount(
        uint256 keySession,
        IRoundtable.SessionConfig calldata config
    ) external returns (ThresholdAccount account) {
        address predicted = accountAddress(keySession);
        if (predicted.code.length != 0) return ThresholdAccount(payable(predicted));

        bytes32 recorded = ROUNDTABLE.configHashOf(keySession);
        bytes32 given = keccak256(abi.encode(config));
        if (given != recorded) revert ThresholdAccountFactoryConfigMismatch(keySession, recorded, given);
        if (config.kind != IRoundtable.SessionKind.KeyGeneration) {
            revert ThresholdAccountFactoryNotKeyGeneration(keySession, config.kind);
        }
        if (config.ciphersuite != TAPROOT_CIPHERSUITE) {
            revert ThresholdAccountFactoryUnsupportedCiphersuite(keySession, config.ciphersuite);
        }
        IRoundtable.Phase phase = ROUNDTABLE.sessionState(keySession).phase;
        if (phase != IRoundtable.Phase.Finalized) revert ThresholdAccountFactoryNotFinalized(keySession, phase);

        account = ThresholdAccount(payable(Create2.deploy(0, bytes32(keySession), _initCode(keySession))));
        emit ThresholdAccountCreated(keySession, address(account), account.GROUP_KEY());
    }

    function _initCode(uint256 keySession) private view returns (bytes memory) {
        return abi.encodePacked(type(ThresholdAccount).creationCode, abi.encode(ROUNDTABLE, keySession, ENTRY_POINT));
    }
}
