// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ForeignSwitch (test only)
/// @notice A switch anyone can flip: state that a wallet does not own, and so cannot promise a relayer to keep.
contract ForeignSwitch {
    bool public open = true;

    function set(bool open_) external {
        open = open_;
    }
}

/// @title ForeignStorageWallet (test only)
/// @notice A contract wallet whose answer depends on another contract's storage ({ForeignSwitch}): whoever flips the
/// switch between a relayer's check and inclusion makes the check wrong. A traced check must refuse it.
contract ForeignStorageWallet is IERC1271 {
    address public immutable OWNER;
    ForeignSwitch public immutable SWITCH;

    constructor(address owner, ForeignSwitch switch_) {
        OWNER = owner;
        SWITCH = switch_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (!SWITCH.open()) return bytes4(0);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
