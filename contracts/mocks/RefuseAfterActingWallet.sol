// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title RefuseAfterActingWallet (test only)
/// @notice A dishonest contract-wallet party: its action is accepted by the contract, then it disowns it by refusing
/// every signature from then on, in the same transaction ({applyThenRefuse}) or in a later one ({setRefusing}). A
/// runner that asks the wallet again at the end of the block sees a refusal and could take the action for a forgery.
contract RefuseAfterActingWallet is IERC1271 {
    address public immutable OWNER;
    bool public refusing;

    error RefuseAfterActingWalletNotOwner(address sender);

    constructor(address owner) {
        OWNER = owner;
    }

    modifier onlyOwner() {
        if (msg.sender != OWNER) revert RefuseAfterActingWalletNotOwner(msg.sender);
        _;
    }

    /// @notice Sends `call` (an `applySigned` of this wallet's signed action) to `roundtable`, then starts refusing.
    /// Reverts of the call bubble up unchanged.
    function applyThenRefuse(address roundtable, bytes calldata call) external onlyOwner {
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory result) = roundtable.call(call);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        refusing = true;
    }

    /// @notice Switches between answering honestly and refusing everything.
    function setRefusing(bool refusing_) external onlyOwner {
        refusing = refusing_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (refusing) return bytes4(0xffffffff);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
