// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockReentrantWallet (test only)
/// @notice A hostile contract wallet: when asked whether a signature is valid, it first calls back into `target`
/// with calldata its owner chose (for example, a second submission for the slot being filled).
/// @dev {isValidSignature} is deliberately not `view`, so the re-entering call is attempted for real; the caller's
/// `staticcall` is what must stop it. With `swallow` unset the wallet answers "invalid" unless the re-entry
/// succeeded; with `swallow` set it ignores the re-entry's failure and answers as an honest wallet would.
contract MockReentrantWallet {
    address public immutable OWNER;
    address public target;
    bytes public reentry;
    bool public swallow;

    error MockWalletNotOwner(address sender);
    error MockWalletReentryFailed(bytes reason);

    constructor(address owner) {
        OWNER = owner;
    }

    /// @notice Sets the call made back into `target_` from {isValidSignature}; only the owner may.
    function arm(address target_, bytes calldata reentry_, bool swallow_) external {
        if (msg.sender != OWNER) revert MockWalletNotOwner(msg.sender);
        target = target_;
        reentry = reentry_;
        swallow = swallow_;
    }

    /// @notice Calls `to` with `data` as this wallet; only the owner may. Reverts bubble up unchanged.
    function execute(address to, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != OWNER) revert MockWalletNotOwner(msg.sender);
        bool success;
        // solhint-disable-next-line avoid-low-level-calls
        (success, result) = to.call(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    /// @notice ERC-1271, hostile: re-enters `target` before answering.
    function isValidSignature(bytes32 hash, bytes calldata signature) external returns (bytes4) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory reason) = target.call(reentry);
        if (!success && !swallow) revert MockWalletReentryFailed(reason);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
