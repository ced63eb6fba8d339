// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {console} from "hardhat/console.sol";
import {ThresholdAccount} from "../../contracts/ThresholdAccount.sol";
import {ThresholdAccountFactory} from "../../contracts/ThresholdAccountFactory.sol";
import {GasProbe} from "./GasProbe.sol";
import {CallTarget, ThresholdAccountFixture} from "./ThresholdAccountFixture.sol";

/// @notice The ERC-4337 path of {ThresholdAccount}, with the fixture's ENTRY_POINT address standing in for the
/// EntryPoint (vm.prank): only it may call validateUserOp and executeFromEntryPoint; a signature that is not the
/// group's over the account's UserOperation wrapper of the hash returns SIG_VALIDATION_FAILED (1) without
/// reverting; the missing funds are paid. Threat W2: intent, ERC-1271 and user-operation signatures are not
/// interchangeable. The whole path through a real EntryPoint's handleOps is in
/// test/cli/account4337.test.ts.
contract ThresholdAccount4337Test is ThresholdAccountFixture {
    uint256 internal constant SIG_VALIDATION_FAILED = 1;
    bytes32 internal constant USER_OP_HASH = keccak256("a user operation hash");

    /// @dev The account's wrapper of `userOpHash`, written out from the type string independently of the contract.
    function _userOperationDigest(address forAccount, bytes32 userOpHash) internal view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(keccak256("UserOperation(bytes32 userOpHash)"), userOpHash));
        return keccak256(abi.encodePacked(hex"1901", _domainSeparator(forAccount, block.chainid), structHash));
    }

    /// @dev A user operation of the account with `nonce` and `signature`; validateUserOp reads no other field.
    function _userOp(uint256 nonce, bytes memory signature) internal view returns (PackedUserOperation memory op) {
        op.sender = address(account);
        op.nonce = nonce;
        op.signature = signature;
    }

    function _validate(bytes32 userOpHash, bytes memory signature, uint256 missing) internal returns (uint256) {
        vm.prank(ENTRY_POINT);
        return account.validateUserOp(_userOp(0, signature), userOpHash, missing);
    }

    function test_onlyTheEntryPointValidatesOrExecutes() public {
        bytes memory signature = _schnorrSign(GROUP_SECRET, _userOperationDigest(address(account), USER_OP_HASH));
        PackedUserOperation memory op = _userOp(0, signature);
        vm.assertEq(account.ENTRY_POINT(), ENTRY_POINT, "the factory's EntryPoint");
        vm.expectRevert(
            abi.encodeWithSelector(ThresholdAccount.ThresholdAccountNotEntryPoint.selector, STRANGER, ENTRY_POINT)
        );
        vm.prank(STRANGER);
        account.validateUserOp(op, USER_OP_HASH, 0);

        vm.expectRevert(
            abi.encodeWithSelector(ThresholdAccount.ThresholdAccountNotEntryPoint.selector, STRANGER, ENTRY_POINT)
        );
        vm.prank(STRANGER);
        account.executeFromEntryPoint(_transfer(RECIPIENT, 1 ether));
        vm.assertEq(RECIPIENT.balance, 0, "nothing paid");

        // A factory made with EntryPoint address(0): the path is closed, even to a call from address(0).
        ThresholdAccountFactory closed = new ThresholdAccountFactory(rt, address(0));
        ThresholdAccount noEntryPoint = closed.createAccount(keySession, _taprootKeygenConfig());
        vm.assertTrue(address(noEntryPoint) != address(account), "another factory, another address");
        vm.assertEq(noEntryPoint.GROUP_KEY(), account.GROUP_KEY(), "same group");
        keysVm.deal(address(noEntryPoint), 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(ThresholdAccount.ThresholdAccountNotEntryPoint.selector, address(0), address(0))
        );
        vm.prank(address(0));
        noEntryPoint.executeFromEntryPoint(_transfer(RECIPIENT, 1 ether));
        vm.assertEq(RECIPIENT.balance, 0, "nothing paid by the closed account");
    }

    function test_groupSignatureValidatesAndMissingFundsArePaid() public {
        bytes32 digest = _userOperationDigest(address(account), USER_OP_HASH);
        vm.assertEq(account.userOperationDigest(USER_OP_HASH), digest, "digest as written");
        uint256 before = address(account).balance;
        uint256 result = _validate(USER_OP_HASH, _schnorrSign(GROUP_SECRET, digest), 0.01 ether);
        vm.assertEq(result, 0, "valid");
        vm.assertEq(ENTRY_POINT.balance, 0.01 ether, "EntryPoint paid the missing funds");
        vm.assertEq(address(account).balance, before - 0.01 ether, "from the account");
        vm.assertEq(account.nonce(), 0, "the intent nonce is another stream");

        // Nothing missing: nothing paid.
        vm.assertEq(_validate(USER_OP_HASH, _schnorrSign(GROUP_SECRET, digest), 0), 0, "valid again");
        vm.assertEq(ENTRY_POINT.balance, 0.01 ether, "no payment when nothing is missing");
    }

    /// @dev Bad signatures of every kind return 1, never revert: ERC-4337 simulates with dummy signatures.
    function test_badSignaturesReturnValidationFailed() public {
        bytes32 digest = _userOperationDigest(address(account), USER_OP_HASH);
        bytes memory good = _schnorrSign(GROUP_SECRET, digest);
        bytes[6] memory bad = [
            _schnorrSign(OTHER_SECRET, digest), // another group
            _schnorrSign(GROUP_SECRET, USER_OP_HASH), // the bare hash, unwrapped
            _schnorrSign(GROUP_SECRET, keccak256(abi.encode(digest))), // another message
            abi.encodePacked(good, bytes1(0)), // 65 bytes
            bytes(""),
            abi.encodePacked(bytes32(type(uint256).max), bytes32(type(uint256).max)) // out of range
        ];
        for (uint256 i = 0; i < bad.length; ++i) {
            vm.assertEq(_validate(USER_OP_HASH, bad[i], 0), SIG_VALIDATION_FAILED, "bad signature fails");
        }
        vm.assertEq(_validate(keccak256("another operation"), good, 0), SIG_VALIDATION_FAILED, "another hash");

        // The same group's user-operation signature for another account (same key) fails here.
        ThresholdAccount other = factory.createAccount(_finalizedTaprootKeygen(groupKey), _taprootKeygenConfig());
        bytes memory forOther = _schnorrSign(GROUP_SECRET, _userOperationDigest(address(other), USER_OP_HASH));
        vm.assertEq(_validate(USER_OP_HASH, forOther, 0), SIG_VALIDATION_FAILED, "other account's signature");
        vm.assertEq(_validate(USER_OP_HASH, good, 0), 0, "the right one passes");
    }

    /// @dev Threat W2: an ERC-1271 signature of the user operation hash, or an intent's signature (whose digest is
    /// used as the user operation hash), validates no user operation; a user-operation signature is neither an
    /// ERC-1271 signature nor an intent signature.
    function test_intentMessageAndUserOpSignaturesAreNotInterchangeable() public {
        bytes memory messageSig = _schnorrSign(GROUP_SECRET, _messageDigest(address(account), USER_OP_HASH));
        vm.assertTrue(account.isValidSignature(USER_OP_HASH, messageSig) == MAGIC, "valid as ERC-1271");
        vm.assertEq(_validate(USER_OP_HASH, messageSig, 0), SIG_VALIDATION_FAILED, "ERC-1271 signature");

        ThresholdAccount.Call[] memory calls = _transfer(RECIPIENT, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 intent = _intentDigest(address(account), block.chainid, 0, deadline, calls);
        bytes memory intentSig = _schnorrSign(GROUP_SECRET, intent);
        vm.assertEq(_validate(intent, intentSig, 0), SIG_VALIDATION_FAILED, "intent signature, intent as hash");
        vm.assertEq(_validate(USER_OP_HASH, intentSig, 0), SIG_VALIDATION_FAILED, "intent signature");

        bytes memory userOpSig = _schnorrSign(GROUP_SECRET, _userOperationDigest(address(account), intent));
        vm.assertEq(_validate(intent, userOpSig, 0), 0, "valid as a user operation");
        vm.assertTrue(account.isValidSignature(intent, userOpSig) == INVALID, "no ERC-1271 signature");
        vm.expectRevert(_badSignature(intent));
        account.execute(calls, deadline, userOpSig);
        account.execute(calls, deadline, intentSig);
        vm.assertEq(RECIPIENT.balance, 1 ether, "the intent signature executes");
    }

    /// @dev Only the EntryPoint's nonce key 0: the account's user operations are one ordered sequence.
    function test_aNonceKeyOtherThanZeroIsRefused() public {
        bytes memory signature = _schnorrSign(GROUP_SECRET, _userOperationDigest(address(account), USER_OP_HASH));
        uint256 keyed = (uint256(7) << 64) | 3;
        vm.expectRevert(abi.encodeWithSelector(ThresholdAccount.ThresholdAccountNonceKey.selector, uint192(7)));
        vm.prank(ENTRY_POINT);
        account.validateUserOp(_userOp(keyed, signature), USER_OP_HASH, 0);
        vm.prank(ENTRY_POINT);
        vm.assertEq(account.validateUserOp(_userOp(3, signature), USER_OP_HASH, 0), 0, "key 0, sequence 3");
    }

    function test_entryPointExecutesABatch() public {
        ThresholdAccount.Call[] memory calls = new ThresholdAccount.Call[](2);
        calls[0] = ThresholdAccount.Call({target: RECIPIENT, value: 0.25 ether, data: ""});
        calls[1] = ThresholdAccount.Call({
            target: address(target),
            value: 1 ether,
            data: abi.encodeCall(CallTarget.deposit, (7))
        });
        vm.prank(ENTRY_POINT);
        bytes[] memory results = account.executeFromEntryPoint(calls);
        vm.assertEq(RECIPIENT.balance, 0.25 ether, "ETH transferred");
        vm.assertEq(target.lastCaller(), address(account), "the account called");
        vm.assertEq(abi.decode(results[1], (uint256)), 1 ether + 7, "return data handed back");
        vm.assertEq(account.nonce(), 0, "the intent nonce is untouched");

        calls[1] = ThresholdAccount.Call({
            target: address(target),
            value: 0,
            data: abi.encodeCall(CallTarget.refuse, (42))
        });
        vm.expectRevert(
            abi.encodeWithSelector(
                ThresholdAccount.ThresholdAccountCallFailed.selector,
                1,
                abi.encodeWithSelector(CallTarget.CallTargetRefused.selector, uint256(42))
            )
        );
        vm.prank(ENTRY_POINT);
        account.executeFromEntryPoint(calls);
        vm.assertEq(RECIPIENT.balance, 0.25 ether, "the failed batch paid nothing");
    }

    /// @dev validateUserOp in a fresh frame with the account cold, without the 21,000 base and calldata (the
    /// EntryPoint calls it from within handleOps, so neither applies there either): the wrap, the BIP-340 check
    /// and, in the second figure, the payment of missing funds to the EntryPoint (here to an address with no
    /// account yet, so it includes creating one, 25,000; a real EntryPoint exists and is warm in handleOps).
    function test_gas() public {
        GasProbe probe = new GasProbe();
        bytes memory signature = _schnorrSign(GROUP_SECRET, _userOperationDigest(address(account), USER_OP_HASH));
        PackedUserOperation memory op = _userOp(0, signature);
        uint256 checkGas = probe.measure(
            ENTRY_POINT,
            address(account),
            abi.encodeCall(account.validateUserOp, (op, USER_OP_HASH, 0))
        );
        uint256 payingGas = probe.measure(
            ENTRY_POINT,
            address(account),
            abi.encodeCall(account.validateUserOp, (op, USER_OP_HASH, 1 gwei))
        );
        vm.assertEq(ENTRY_POINT.balance, 1 gwei, "measured call paid");
        console.log("ThresholdAccount.validateUserOp, nothing missing: %d gas", checkGas);
        console.log("ThresholdAccount.validateUserOp, paying missing funds: %d gas", payingGas);
        vm.assertLt(checkGas, 16_000, "validation under 16k");
        vm.assertGt(payingGas, checkGas, "the payment costs");
    }
}
