// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {Bip340} from "../../contracts/Bip340.sol";
import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {ThresholdAccount} from "../../contracts/ThresholdAccount.sol";
import {ThresholdAccountFactory} from "../../contracts/ThresholdAccountFactory.sol";
import {GasProbe} from "./GasProbe.sol";
import {CallTarget, ThresholdAccountFixture} from "./ThresholdAccountFixture.sol";

/// @notice {ThresholdAccount} and {ThresholdAccountFactory} against a real {Roundtable} (see
/// {ThresholdAccountFixture}). Threats W2 (domain separation) and W3 (replay: nonce, deadline, other account, chain
/// or group). The ERC-4337 path is tested in ThresholdAccount4337.t.sol.
contract ThresholdAccountTest is ThresholdAccountFixture {
    /// @dev The signer above is what the account's checks rest on: its signatures verify under the library, for
    /// the right key and message only, with both an even-y secret and an odd-y one.
    function test_testSignerProducesBip340Signatures() public view {
        for (uint256 i = 0; i < 4; ++i) {
            bytes32 m = keccak256(abi.encode(i));
            uint256 d = i % 2 == 0 ? OTHER_SECRET : GROUP_SECRET;
            (uint256 rx, uint256 s) = abi.decode(_schnorrSign(d, m), (uint256, uint256));
            vm.assertTrue(Bip340.verify(_xOnly(d), rx, s, m), "signature verifies");
            vm.assertFalse(Bip340.verify(_xOnly(d), rx, s, keccak256(abi.encode(m))), "not another message");
            vm.assertFalse(Bip340.verify(d == GROUP_SECRET ? OTHER_X : GROUP_X, rx, s, m), "not another key");
        }
    }

    // ───────────────────────────────────────────────────────────── factory

    function test_factoryPredictsTheAddressAndIsIdempotent() public {
        uint256 nextSession = _finalizedTaprootKeygen(_xOnly(OTHER_SECRET));
        address predicted = factory.accountAddress(nextSession);
        vm.assertEq(predicted.code.length, 0, "nothing deployed before creation");
        keysVm.deal(predicted, 1 ether);
        ThresholdAccount created = factory.createAccount(nextSession, _taprootKeygenConfig());
        vm.assertEq(address(created), predicted, "deployed at the predicted address");
        vm.assertGt(predicted.code.length, 0, "code at the predicted address");
        vm.assertEq(predicted.balance, 1 ether, "ETH sent before deployment is there");
        vm.assertEq(created.GROUP_KEY(), _xOnly(OTHER_SECRET), "group key read from the session's result");
        vm.assertEq(created.KEY_SESSION(), nextSession, "key session");
        vm.assertEq(address(created.ROUNDTABLE()), address(rt), "roundtable");
        vm.assertEq(address(factory.createAccount(nextSession, _taprootKeygenConfig())), predicted, "idempotent");
        vm.assertEq(address(account), factory.accountAddress(keySession), "the fixture's account too");
        vm.assertTrue(predicted != address(account), "one address per key session");
    }

    function test_factoryRefusesAKeyGenerationNotFinalized() public {
        IRoundtable.SessionConfig memory config = _taprootKeygenConfig();
        uint256 sessionId = _create(config);
        vm.expectRevert(
            abi.encodeWithSelector(
                ThresholdAccountFactory.ThresholdAccountFactoryNotFinalized.selector,
                sessionId,
                IRoundtable.Phase.Accepting
            )
        );
        factory.createAccount(sessionId, config);
        vm.assertEq(factory.accountAddress(sessionId).code.length, 0, "nothing deployed");
    }

    /// @dev A signing session's configuration names kind Signing; its 64-byte result is no key either.
    function test_factoryRefusesASigningSession() public {
        IRoundtable.SessionConfig memory config = _signingConfig(accounts, 2, keySession, keccak256("message"));
        config.ciphersuite = TAPROOT;
        uint256 sessionId = _create(config);
        _acceptAll(sessionId);
        for (uint256 i = 0; i < accounts.length; ++i) _submit(sessionId, uint8(i), 1, _payload(66, i));
        for (uint256 i = 0; i < accounts.length; ++i) _submit(sessionId, uint8(i), 2, _payload(32, i));
        _agreeAll(sessionId, 3, _payload(64, 99));
        _assertPhase(sessionId, IRoundtable.Phase.Finalized, "signing session finalized");
        vm.expectRevert(
            abi.encodeWithSelector(
                ThresholdAccountFactory.ThresholdAccountFactoryNotKeyGeneration.selector,
                sessionId,
                IRoundtable.SessionKind.Signing
            )
        );
        factory.createAccount(sessionId, config);
        // Passing a key-generation configuration instead does not match the session's record.
        IRoundtable.SessionConfig memory disguised = _taprootKeygenConfig();
        vm.expectRevert(
            abi.encodeWithSelector(
                ThresholdAccountFactory.ThresholdAccountFactoryConfigMismatch.selector,
                sessionId,
                rt.configHashOf(sessionId),
                keccak256(abi.encode(disguised))
            )
        );
        factory.createAccount(sessionId, disguised);
    }

    function test_factoryRefusesTheRfc9591Ciphersuite() public {
        IRoundtable.SessionConfig memory config = _taprootKeygenConfig();
        config.ciphersuite = RFC9591;
        uint256 sessionId = _finalizedKeygenWith(config, abi.encodePacked(bytes1(0x02), groupKey));
        vm.expectRevert(
            abi.encodeWithSelector(
                ThresholdAccountFactory.ThresholdAccountFactoryUnsupportedCiphersuite.selector,
                sessionId,
                RFC9591
            )
        );
        factory.createAccount(sessionId, config);
    }

    /// @dev A Taproot key generation whose parties agreed on something other than an x-only key.
    function test_factoryRefusesAResultThatIsNoXOnlyKey() public {
        bytes memory compressed = abi.encodePacked(bytes1(0x02), groupKey);
        uint256 sessionId = _finalizedKeygenWith(_taprootKeygenConfig(), compressed);
        vm.expectRevert(
            abi.encodeWithSelector(ThresholdAccount.ThresholdAccountNoGroupKey.selector, sessionId, compressed)
        );
        factory.createAccount(sessionId, _taprootKeygenConfig());

        // 5 is no x coordinate (5³ + 7 is not a square mod p); n is one the verifier refuses.
        uint256[2] memory bad = [uint256(5), Bip340.N];
        for (uint256 i = 0; i < bad.length; ++i) {
            sessionId = _finalizedTaprootKeygen(bad[i]);
            vm.expectRevert(
                abi.encodeWithSelector(
                    ThresholdAccount.ThresholdAccountInvalidGroupKey.selector,
                    sessionId,
                    bytes32(bad[i])
                )
            );
            factory.createAccount(sessionId, _taprootKeygenConfig());
        }
    }

    // ───────────────────────────────────────────────────────────── execute

    function test_strangerExecutesATransferAndACall() public {
        ThresholdAccount.Call[] memory calls = new ThresholdAccount.Call[](2);
        calls[0] = ThresholdAccount.Call({target: RECIPIENT, value: 0.25 ether, data: ""});
        calls[1] = ThresholdAccount.Call({
            target: address(target),
            value: 1 ether,
            data: abi.encodeCall(CallTarget.deposit, (7))
        });
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _intentDigest(address(account), block.chainid, 0, deadline, calls);
        vm.assertEq(account.intentDigest(0, deadline, keccak256(abi.encode(calls))), digest, "digest as written");
        bytes memory signature = _signIntent(0, deadline, calls);

        vm.prank(STRANGER);
        bytes[] memory results = account.execute(calls, deadline, signature);

        vm.assertEq(RECIPIENT.balance, 0.25 ether, "ETH transferred");
        vm.assertEq(target.total(), 1 ether + 7, "call made with its value");
        vm.assertEq(target.lastCaller(), address(account), "the account called");
        vm.assertEq(abi.decode(results[1], (uint256)), 1 ether + 7, "return data handed back");
        vm.assertEq(address(account).balance, 10 ether - 1.25 ether, "account paid");
        vm.assertEq(account.nonce(), 1, "nonce spent");
    }

    function test_replayedIntentIsRefused() public {
        ThresholdAccount.Call[] memory calls = _transfer(RECIPIENT, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signIntent(0, deadline, calls);
        vm.prank(STRANGER);
        account.execute(calls, deadline, signature);
        vm.expectRevert(_badSignature(_intentDigest(address(account), block.chainid, 1, deadline, calls)));
        account.execute(calls, deadline, signature);
        vm.assertEq(RECIPIENT.balance, 1 ether, "paid once");
    }

    /// @dev Two intents signed for nonce 0: the first executed spends it, the other is refused; an intent for a
    /// later nonce waits its turn.
    function test_spentOrFutureNonceIsRefused() public {
        uint256 deadline = block.timestamp + 1 hours;
        ThresholdAccount.Call[] memory first = _transfer(RECIPIENT, 1 ether);
        ThresholdAccount.Call[] memory rival = _transfer(STRANGER, 2 ether);
        ThresholdAccount.Call[] memory next = _transfer(RECIPIENT, 3 ether);
        bytes memory firstSig = _signIntent(0, deadline, first);
        bytes memory rivalSig = _signIntent(0, deadline, rival);
        bytes memory nextSig = _signIntent(1, deadline, next);

        vm.expectRevert(_badSignature(_intentDigest(address(account), block.chainid, 0, deadline, next)));
        account.execute(next, deadline, nextSig);

        account.execute(first, deadline, firstSig);
        vm.expectRevert(_badSignature(_intentDigest(address(account), block.chainid, 1, deadline, rival)));
        account.execute(rival, deadline, rivalSig);

        account.execute(next, deadline, nextSig);
        vm.assertEq(RECIPIENT.balance, 4 ether, "first and next paid");
        vm.assertEq(STRANGER.balance, 0, "rival not paid");
        vm.assertEq(account.nonce(), 2, "two nonces spent");
    }

    function test_intentPastItsDeadlineIsRefused() public {
        ThresholdAccount.Call[] memory calls = _transfer(RECIPIENT, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signIntent(0, deadline, calls);
        uint256 snapshot = vm.snapshotState();

        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ThresholdAccount.ThresholdAccountExpired.selector, deadline, deadline + 1)
        );
        account.execute(calls, deadline, signature);

        vm.revertToState(snapshot);
        vm.warp(deadline);
        account.execute(calls, deadline, signature);
        vm.assertEq(RECIPIENT.balance, 1 ether, "executes up to its deadline");
    }

    /// @dev The other account is controlled by the same group key (a second key generation that agreed on it):
    /// only the domain, naming the account, tells the intents apart.
    function test_anotherAccountsIntentIsRefused() public {
        uint256 otherSession = _finalizedTaprootKeygen(groupKey);
        ThresholdAccount other = factory.createAccount(otherSession, _taprootKeygenConfig());
        vm.assertEq(other.GROUP_KEY(), account.GROUP_KEY(), "same group key");
        ThresholdAccount.Call[] memory calls = _transfer(RECIPIENT, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _schnorrSign(
            GROUP_SECRET,
            _intentDigest(address(other), block.chainid, 0, deadline, calls)
        );
        vm.expectRevert(_badSignature(_intentDigest(address(account), block.chainid, 0, deadline, calls)));
        account.execute(calls, deadline, signature);
    }

    function test_anotherChainsIntentIsRefused() public {
        ThresholdAccount.Call[] memory calls = _transfer(RECIPIENT, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        uint256 otherChain = block.chainid == 1 ? 10 : 1;
        bytes memory signature = _schnorrSign(
            GROUP_SECRET,
            _intentDigest(address(account), otherChain, 0, deadline, calls)
        );
        vm.expectRevert(_badSignature(_intentDigest(address(account), block.chainid, 0, deadline, calls)));
        account.execute(calls, deadline, signature);

        // The same intent executes on the chain it names (the account recomputes its domain after a fork).
        vm.chainId(otherChain);
        account.execute(calls, deadline, signature);
        vm.assertEq(RECIPIENT.balance, 1 ether, "valid on its own chain");
    }

    function test_anotherKeysSignatureIsRefused() public {
        ThresholdAccount.Call[] memory calls = _transfer(RECIPIENT, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _intentDigest(address(account), block.chainid, 0, deadline, calls);
        bytes memory signature = _schnorrSign(OTHER_SECRET, digest);
        vm.expectRevert(_badSignature(digest));
        account.execute(calls, deadline, signature);

        bytes memory long = abi.encodePacked(_signIntent(0, deadline, calls), bytes1(0));
        vm.expectRevert(
            abi.encodeWithSelector(ThresholdAccount.ThresholdAccountBadSignatureLength.selector, uint256(65))
        );
        account.execute(calls, deadline, long);
    }

    /// @dev A failing call reverts the whole intent with its index and return data, spending neither the nonce
    /// nor the ETH of the calls before it.
    function test_aFailingCallRevertsTheIntent() public {
        ThresholdAccount.Call[] memory calls = new ThresholdAccount.Call[](2);
        calls[0] = ThresholdAccount.Call({target: RECIPIENT, value: 1 ether, data: ""});
        calls[1] = ThresholdAccount.Call({
            target: address(target),
            value: 0,
            data: abi.encodeCall(CallTarget.refuse, (42))
        });
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signIntent(0, deadline, calls);
        vm.expectRevert(
            abi.encodeWithSelector(
                ThresholdAccount.ThresholdAccountCallFailed.selector,
                uint256(1),
                abi.encodeWithSelector(CallTarget.CallTargetRefused.selector, uint256(42))
            )
        );
        account.execute(calls, deadline, signature);
        vm.assertEq(account.nonce(), 0, "nonce not spent");
        vm.assertEq(RECIPIENT.balance, 0, "no ETH moved");
    }

    function test_receivesEth() public {
        keysVm.deal(STRANGER, 1 ether);
        vm.prank(STRANGER);
        (bool ok, ) = address(account).call{value: 1 ether}("");
        vm.assertTrue(ok, "plain transfer accepted");
        vm.assertEq(address(account).balance, 11 ether, "balance grew");
    }

    // ───────────────────────────────────────────────────────────── ERC-1271

    function test_erc1271AcceptsOnlyTheWrappedDigest() public {
        bytes32 hash = keccak256("release v1.2.0");
        bytes32 wrapped = _messageDigest(address(account), hash);
        vm.assertEq(account.messageDigest(hash), wrapped, "wrapped digest as written");
        bytes memory signature = _schnorrSign(GROUP_SECRET, wrapped);
        vm.assertTrue(account.isValidSignature(hash, signature) == MAGIC, "group signature of the wrapped digest");

        bytes memory bare = _schnorrSign(GROUP_SECRET, hash);
        vm.assertTrue(account.isValidSignature(hash, bare) == INVALID, "bare hash signature refused");
        vm.assertTrue(account.isValidSignature(keccak256("other"), signature) == INVALID, "other hash refused");
        bytes memory byOther = _schnorrSign(OTHER_SECRET, wrapped);
        vm.assertTrue(account.isValidSignature(hash, byOther) == INVALID, "other key refused");
        bytes memory long = abi.encodePacked(signature, bytes1(0));
        vm.assertTrue(account.isValidSignature(hash, long) == INVALID, "65 bytes refused");
        vm.assertTrue(account.isValidSignature(hash, "") == INVALID, "empty refused");

        // The same group's signature for another account (same key) is not valid here.
        ThresholdAccount other = factory.createAccount(_finalizedTaprootKeygen(groupKey), _taprootKeygenConfig());
        bytes memory forOther = _schnorrSign(GROUP_SECRET, _messageDigest(address(other), hash));
        vm.assertTrue(other.isValidSignature(hash, forOther) == MAGIC, "valid for its own account");
        vm.assertTrue(account.isValidSignature(hash, forOther) == INVALID, "not for this one");
    }

    /// @dev Threat W2: an intent's signature is no ERC-1271 signature (of the intent digest itself), and the
    /// signature of an ERC-1271 message (the intent digest or its struct hash) executes nothing.
    function test_intentAndMessageSignaturesAreNotInterchangeable() public {
        ThresholdAccount.Call[] memory calls = _transfer(RECIPIENT, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _intentDigest(address(account), block.chainid, 0, deadline, calls);
        bytes memory intentSig = _schnorrSign(GROUP_SECRET, digest);
        vm.assertTrue(account.isValidSignature(digest, intentSig) == INVALID, "intent signature is no message");

        bytes memory messageSig = _schnorrSign(GROUP_SECRET, _messageDigest(address(account), digest));
        vm.assertTrue(account.isValidSignature(digest, messageSig) == MAGIC, "valid as a message");
        vm.expectRevert(_badSignature(digest));
        account.execute(calls, deadline, messageSig);

        account.execute(calls, deadline, intentSig);
        vm.assertEq(RECIPIENT.balance, 1 ether, "the intent signature executes");
    }

    // ───────────────────────────────────────────────────────────────── gas

    /// @dev execute with one ETH transfer, and isValidSignature (the wrapping and the BIP-340 check), each in a
    /// fresh frame with the account cold, as in a transaction of its own; without the 21,000 base and calldata.
    /// The first execute pays for the nonce's first write (22,100) and a transfer that creates the recipient's
    /// account (25,000 on top of 9,000 for value); the second, to the same recipient, for neither.
    function test_gas() public {
        GasProbe probe = new GasProbe();
        ThresholdAccount.Call[] memory calls = _transfer(RECIPIENT, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory call0 = abi.encodeCall(account.execute, (calls, deadline, _signIntent(0, deadline, calls)));
        uint256 firstGas = probe.measure(STRANGER, address(account), call0);
        bytes memory call1 = abi.encodeCall(account.execute, (calls, deadline, _signIntent(1, deadline, calls)));
        uint256 laterGas = probe.measure(STRANGER, address(account), call1);
        vm.assertEq(RECIPIENT.balance, 2 ether, "measured calls paid");

        bytes32 hash = keccak256("gas");
        bytes memory checkCall = abi.encodeCall(
            account.isValidSignature,
            (hash, _schnorrSign(GROUP_SECRET, _messageDigest(address(account), hash)))
        );
        uint256 checkGas = probe.measure(STRANGER, address(account), checkCall);

        console.log("ThresholdAccount.execute, one ETH transfer, first intent to a new address: %d gas", firstGas);
        console.log("ThresholdAccount.execute, one ETH transfer, later intent to that address: %d gas", laterGas);
        console.log("ThresholdAccount.isValidSignature (ERC-1271, wrap + BIP-340 check): %d gas", checkGas);
        vm.assertLt(checkGas, 12_000, "signature check under 12k");
        vm.assertLt(firstGas, 80_000, "first execute under 80k");
        vm.assertLt(laterGas, firstGas - 40_000, "later execute saves the first write and account creation");
    }
}
