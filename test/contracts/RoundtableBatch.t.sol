// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";
import {GasProbe} from "./GasProbe.sol";
import {HeavyWallet, PasskeyWallet} from "./Wallets.sol";

/// @notice Batches of signed actions carried by a relayer: items that land, items skipped or rejected without
/// sinking the others, and under-gassed batches (threat C10); payload bounds (C4).
contract RoundtableBatchTest is RoundtableTestBase {
    uint8 internal constant T = 2;
    uint256 internal constant P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551;

    uint256 internal id;

    function setUp() public virtual {
        _deploy();
        _loadParties(4, 11);
        id = _create(_plainKeygenConfig(accounts, T));
    }

    function _submitItems(uint256 sessionId, uint8 round) internal view returns (IRoundtable.SignedAction[] memory) {
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](accounts.length);
        for (uint8 i = 0; i < accounts.length; ++i) {
            items[i] = _signedSubmit(sessionId, i, round, _round1Payload(T, i));
        }
        return items;
    }

    // ─────────────────────────────────────────────────────── happy path

    function test_batchAppliesEverySignedAction() public {
        IRoundtable.SignedAction[] memory accepts = new IRoundtable.SignedAction[](4);
        for (uint8 i = 0; i < 4; ++i) accepts[i] = _signedAccept(id, i);
        vm.expectEmit(address(rt));
        emit IRoundtable.PhaseOpened(id, 1, IRoundtable.Phase.Submitting, uint40(block.timestamp + ROUND));
        vm.prank(STRANGER);
        rt.batch(_pack(accepts));

        vm.prank(STRANGER);
        rt.batch(_pack(_submitItems(id, 1)));
        IRoundtable.SessionState memory state = rt.sessionState(id);
        vm.assertEq(state.round, 2, "round 1 completed by one batch");
        vm.assertEq(uint256(state.phase), uint256(IRoundtable.Phase.Submitting), "round 2 open");
    }

    /// @dev Threat C10: party 1 went direct before the relayer's batch landed; its item is skipped, not fatal.
    function test_C10_frontRunItemIsSkippedAndTheOthersLand() public {
        _acceptAll(id);
        IRoundtable.SignedAction[] memory items = _submitItems(id, 1);
        _submit(id, 1, 1, _round1Payload(T, 1));

        vm.expectEmit(address(rt));
        emit IRoundtable.PayloadSubmitted(id, accounts[0], 0, 1, items[0].data);
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionSkipped(id, 1, 1);
        vm.expectEmit(address(rt));
        emit IRoundtable.PayloadSubmitted(id, accounts[2], 2, 1, items[2].data);
        rt.batch(_pack(items));

        vm.assertEq(rt.sessionState(id).round, 2, "every party's payload is in; round 2 open");
    }

    function test_C10_invalidItemIsRejectedWithItsErrorAndTheOthersLand() public {
        _acceptAll(id);
        IRoundtable.SignedAction[] memory items = _submitItems(id, 1);
        items[2].data[0] ^= 0x01;

        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(
            id,
            2,
            2,
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidSignature.selector, id, 2, accounts[2])
        );
        rt.batch(_pack(items));

        vm.assertEq(rt.sessionState(id).acted, 0xb, "parties 0, 1 and 3 landed; party 2 did not");
    }

    /// @dev Threat C10: the last party went direct and completed the acceptance phase before the relayer's batch
    /// landed; its acceptance item, for a phase now closed, is skipped like any other already-recorded item.
    function test_C10_itemForAPhaseClosedMeanwhileIsSkipped() public {
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](1);
        items[0] = _signedAccept(id, 3);
        _acceptAll(id);
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionSkipped(id, 0, 3);
        rt.batch(_pack(items));
    }

    // ──────────────────────────────────────────── a complaint sent again

    function _signedComplaint(uint8 party, uint8 accused) internal view returns (IRoundtable.SignedAction memory) {
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Complain,
            id,
            party,
            1,
            0,
            _payload(97, 100 + party)
        );
        a.accused = accused;
        return _sign(keys[party], a);
    }

    /// @dev A relayer carries the complaint the complainant also sent itself: once it aborted the session, the
    /// copy is already recorded and skipped, like any other front-run item.
    function test_complaintSentAgainByItsComplainantIsSkipped() public {
        _acceptAll(id);
        IRoundtable.SignedAction memory complaint = _signedComplaint(0, 1);
        rt.applySigned(complaint);
        _assertPhase(id, IRoundtable.Phase.Aborted, "aborted by the complaint");
        bytes32 transcript = rt.transcriptOf(id);

        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, id, 1, 0));
        rt.applySigned(complaint);

        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](1);
        items[0] = complaint;
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionSkipped(id, 0, 0);
        rt.batch(_pack(items));
        vm.assertEq(rt.transcriptOf(id), transcript, "transcript unchanged");
    }

    /// @dev Another party's complaint after the abort is refused as closed, not skipped: it was never recorded.
    function test_complaintByAnotherPartyAfterTheAbortIsRejected() public {
        _acceptAll(id);
        rt.applySigned(_signedComplaint(0, 1));
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](1);
        items[0] = _signedComplaint(2, 1);
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(
            id,
            0,
            2,
            abi.encodeWithSelector(IRoundtable.RoundtableSessionClosed.selector, id, IRoundtable.Status.Aborted)
        );
        rt.batch(_pack(items));
    }

    /// @dev One batch: the complaint lands, its copy is skipped, another party's complaint is rejected.
    function test_complaintAndItsCopyInOneBatch() public {
        _acceptAll(id);
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](3);
        items[0] = _signedComplaint(0, 1);
        items[1] = items[0];
        items[2] = _signedComplaint(2, 1);
        vm.expectEmit(address(rt));
        emit IRoundtable.ComplaintFiled(id, accounts[0], 0, 1, 1, items[0].data);
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionSkipped(id, 1, 0);
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(
            id,
            2,
            2,
            abi.encodeWithSelector(IRoundtable.RoundtableSessionClosed.selector, id, IRoundtable.Status.Aborted)
        );
        rt.batch(_pack(items));
        _assertPhase(id, IRoundtable.Phase.Aborted, "aborted once");
    }

    function test_batchItemWithoutASignatureIsRejected() public {
        _acceptAll(id);
        IRoundtable.SignedAction[] memory items = _submitItems(id, 1);
        items[0].signature = "";
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(
            id,
            0,
            0,
            abi.encodeWithSelector(IRoundtable.RoundtableMissingSignature.selector, id, 0)
        );
        vm.prank(accounts[0]);
        rt.batch(_pack(items));
        vm.assertEq(rt.sessionState(id).acted, 0xe, "an unsigned item is not authorized by the batch's sender");
    }

    function test_batchOfNothingDoesNothing() public {
        bytes32 before = rt.transcriptOf(id);
        rt.batch("");
        vm.assertEq(rt.transcriptOf(id), before, "transcript unchanged");
    }

    // ───────────────────────────────────────────────── packing

    /// @dev A packing that ends inside an item reverts as a whole with the offset of the item: the relayer built it
    /// wrong, and no valid item beside it is failed.
    function test_malformedPackingRevertsTheWholeBatchNamingTheItem() public {
        _acceptAll(id);
        IRoundtable.SignedAction[] memory items = _submitItems(id, 1);
        bytes memory packed = _pack(items);
        uint256 second = 16 + items[0].data.length + items[0].signature.length;

        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableMalformedBatch.selector, 0));
        rt.batch(_slice(packed, 0, 15));
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableMalformedBatch.selector, second));
        rt.batch(_slice(packed, 0, second + 20));
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableMalformedBatch.selector, packed.length));
        rt.batch(bytes.concat(packed, hex"00"));

        vm.assertEq(rt.sessionState(id).acted, 0, "nothing landed");

        rt.batch(packed);
        vm.assertEq(
            uint8(rt.sessionState(id).phase),
            uint8(IRoundtable.Phase.Submitting),
            "the well-formed batch lands"
        );
        vm.assertEq(rt.sessionState(id).round, 2, "and opens round 2");
    }

    /// @dev A payload's length is the item's own: an item whose declared data length swallows the next item's bytes
    /// changes its payload, so its party's signature no longer covers it and it alone is rejected.
    function test_itemLengthsCannotShiftBytesBetweenItems() public {
        _acceptAll(id);
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](2);
        items[0] = _signedSubmit(id, 0, 1, _round1Payload(T, 0));
        items[1] = _signedSubmit(id, 1, 1, _round1Payload(T, 1));
        bytes memory packed = _pack(items);
        // Item 0 declares 65 more data bytes and no signature: its "data" now ends with its own signature.
        uint256 dataLength = items[0].data.length + 65;
        packed[12] = bytes1(uint8(dataLength >> 8));
        packed[13] = bytes1(uint8(dataLength));
        packed[14] = 0;
        packed[15] = 0;
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(
            id,
            0,
            0,
            abi.encodeWithSelector(IRoundtable.RoundtableMissingSignature.selector, id, 0)
        );
        rt.batch(packed);
        vm.assertEq(rt.sessionState(id).acted, 0x2, "only party 1's item landed");
    }

    // ───────────────────────────────────────────────── under-gassed batch (C10)

    /// @dev Threat C10: whatever gas a relayer attaches, a batch of valid items either lands all of them or
    /// reverts as a whole; it never lands some and fails the others. Items run inline (validate, then apply), so a
    /// limit that starves one runs the whole call out of gas.
    function test_C10_underGassedBatchRevertsAsAWhole() public {
        _acceptAll(id);
        // Three of the four parties, so the round stays open and the acted bitmap shows what landed.
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](3);
        for (uint8 i = 0; i < 3; ++i) items[i] = _signedSubmit(id, i, 1, _payload(MAX_PAYLOAD, i));
        (, uint256 reverted) = _scanGasLimits(abi.encodeCall(rt.batch, (_pack(items))), 0x7);
        vm.assertGt(reverted, 0, "the scan reached limits too low for the batch");
    }

    /// @dev Threat C10 with a contract-wallet party whose ERC-1271 check is expensive (a passkey wallet verifying
    /// P-256 in Solidity, about 200,000 gas). Starving only the wallet's staticcall leaves the item 1/64 of its
    /// gas, enough to revert as RoundtableInvalidSignature, and leaves {batch} well over 1/63 of its own: without
    /// the check after the signature (RoundtableSignatureCheckOutOfGas), the batch would succeed with the valid
    /// wallet item rejected.
    function test_C10_underGassedBatchWithAPasskeyWalletItemRevertsAsAWhole() public {
        uint256 passkey = 0x9A55_4E11;
        (uint256 qx, uint256 qy) = vm.publicKeyP256(passkey);
        PasskeyWallet wallet = new PasskeyWallet(bytes32(qx), bytes32(qy));
        (address[] memory parties, uint256[] memory partyKeys, uint8 w) = _insertParty(
            accounts,
            keys,
            address(wallet),
            0
        );
        delete accounts;
        delete keys;
        for (uint256 i = 0; i < parties.length; ++i) {
            accounts.push(parties[i]);
            keys.push(partyKeys[i]);
        }
        uint256 sessionId = _create(_plainKeygenConfig(accounts, T));
        _acceptAll(sessionId);

        // The wallet's item goes last, where nothing after it can run out of gas and hide the failure.
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](2);
        uint8 eoa = w == 0 ? 1 : 0;
        items[0] = _signedSubmit(sessionId, eoa, 1, _round1Payload(T, eoa));
        items[1] = _action(IRoundtable.ActionType.Submit, sessionId, w, 1, 0, _round1Payload(T, w));
        (bytes32 r, bytes32 s) = vm.signP256(passkey, rt.digestOf(items[1]));
        if (uint256(s) > P256_N / 2) s = bytes32(P256_N - uint256(s));
        items[1].signature = abi.encode(r, s);

        uint256 expected = (uint256(1) << eoa) | (uint256(1) << w);
        (uint256 itemOutOfGas, ) = _scanGasLimits(abi.encodeCall(rt.batch, (_pack(items))), expected);
        vm.assertGt(itemOutOfGas, 0, "some gas limit starved the wallet's check and reverted the batch");
    }

    // ─────────────────────────────────────────────── wallet allowances

    /// @dev A session of the four EOA parties and a HeavyWallet owned by `key` whose check burns `work` gas first.
    function _sessionWithHeavyWallet(uint256 work) internal returns (uint256 sessionId, uint8 w, HeavyWallet wallet) {
        uint256 key = 0xBEA7_1E55;
        wallet = new HeavyWallet(vm.addr(key), work);
        (address[] memory parties, uint256[] memory partyKeys, uint8 index) = _insertParty(
            accounts,
            keys,
            address(wallet),
            key
        );
        delete accounts;
        delete keys;
        for (uint256 i = 0; i < parties.length; ++i) {
            accounts.push(parties[i]);
            keys.push(partyKeys[i]);
        }
        sessionId = _create(_plainKeygenConfig(accounts, T));
        _acceptAll(sessionId);
        w = index;
    }

    /// @dev Sets the wallet allowance (in WALLET_GAS_UNITs) of the packed item starting at `offset`.
    function _withWalletGas(bytes memory packed, uint256 offset, uint8 units) internal pure returns (bytes memory) {
        bytes memory out = bytes.concat(packed);
        out[offset] = bytes1(uint8(out[offset]) | (units << 2));
        return out;
    }

    /// @dev A wallet whose check spends everything it gets costs the batch's sender the item's allowance, not
    /// ERC1271_GAS: its item alone is rejected naming the allowance, and the EOA item after it lands.
    function test_walletAllowanceBoundsWhatABurningWalletCosts() public {
        (uint256 sessionId, uint8 w, HeavyWallet wallet) = _sessionWithHeavyWallet(10_000_000);
        uint8 eoa = w == 0 ? 1 : 0;
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](2);
        items[0] = _signedSubmit(sessionId, w, 1, _round1Payload(T, w));
        items[1] = _signedSubmit(sessionId, eoa, 1, _round1Payload(T, eoa));
        bytes memory packed = _withWalletGas(_pack(items), 0, 2);

        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(
            uint64(sessionId),
            0,
            w,
            abi.encodeWithSelector(
                IRoundtable.RoundtableWalletAllowanceSpent.selector,
                sessionId,
                w,
                address(wallet),
                2 * rt.WALLET_GAS_UNIT()
            )
        );
        uint256 before = gasleft();
        rt.batch(packed);
        uint256 used = before - gasleft();
        vm.assertEq(rt.sessionState(sessionId).acted, uint256(1) << eoa, "only the EOA item landed");
        vm.assertLt(used, 200_000, "the burning wallet cost its 16,000-gas allowance, not 500,000");
    }

    /// @dev The allowance is all a wallet gets: too little fails its item alone (the sender chose it, as it chooses
    /// what to carry), enough lands it, and an allowance over ERC1271_GAS is ERC1271_GAS.
    function test_walletAllowanceIsWhatTheWalletGets() public {
        (uint256 sessionId, uint8 w, HeavyWallet wallet) = _sessionWithHeavyWallet(100_000);
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](1);
        items[0] = _signedSubmit(sessionId, w, 1, _round1Payload(T, w));
        bytes memory packed = _pack(items);
        uint256 snapshot = vm.snapshotState();

        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(
            uint64(sessionId),
            0,
            w,
            abi.encodeWithSelector(
                IRoundtable.RoundtableWalletAllowanceSpent.selector,
                sessionId,
                w,
                address(wallet),
                10 * rt.WALLET_GAS_UNIT()
            )
        );
        rt.batch(_withWalletGas(packed, 0, 10));
        vm.assertEq(rt.sessionState(sessionId).acted, 0, "80,000 gas is too little for a 100,000-gas check");

        uint8[3] memory enough = [uint8(16), 63, 0];
        for (uint256 i = 0; i < enough.length; ++i) {
            vm.revertToState(snapshot);
            rt.batch(_withWalletGas(packed, 0, enough[i]));
            vm.assertEq(rt.sessionState(sessionId).acted, uint256(1) << w, "the wallet's item landed");
        }
    }

    /// @dev The allowance bits are not part of the action: an EOA party's item lands whatever they say, and the
    /// allowance of one item does not carry over to the next (a wallet item without one gets ERC1271_GAS).
    function test_walletAllowanceIsPerItem() public {
        (uint256 sessionId, uint8 w, ) = _sessionWithHeavyWallet(100_000);
        uint8 eoa = w == 0 ? 1 : 0;
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](2);
        items[0] = _signedSubmit(sessionId, eoa, 1, _round1Payload(T, eoa));
        items[1] = _signedSubmit(sessionId, w, 1, _round1Payload(T, w));
        rt.batch(_withWalletGas(_pack(items), 0, 1));
        vm.assertEq(
            rt.sessionState(sessionId).acted,
            (uint256(1) << eoa) | (uint256(1) << w),
            "both landed: the EOA item's allowance did not reach the wallet's"
        );
    }

    /// @dev Calls `batchCall` (for the latest session) with gas limits from what it needs down to half of that, in
    /// steps, from the same state. Each call must either land every item (acted bitmap `expected`) or revert; a
    /// revert that happened inside the loop is RoundtableBatchOutOfGas. Returns how many limits reverted that way.
    /// @return itemOutOfGas limits at which an item's wallet check lacked its allowance (RoundtableBatchOutOfGas)
    /// @return reverted limits at which the batch reverted, for whatever reason of gas
    function _scanGasLimits(
        bytes memory batchCall,
        uint256 expected
    ) internal returns (uint256 itemOutOfGas, uint256 reverted) {
        uint256 snapshot = vm.snapshotState();
        uint256 before = gasleft();
        (bool ok, ) = address(rt).call(batchCall);
        uint256 needed = before - gasleft();
        vm.assertTrue(ok, "the batch succeeds with enough gas");
        vm.assertEq(rt.sessionState(rt.sessionCount()).acted, expected, "all landed");

        for (uint256 limit = needed; limit > needed / 2; limit -= 997) {
            vm.revertToState(snapshot);
            bytes memory ret;
            (ok, ret) = address(rt).call{gas: limit}(batchCall);
            if (ok) {
                uint256 acted = rt.sessionState(rt.sessionCount()).acted;
                if (acted != expected) {
                    console.log("gas limit %d: the batch succeeded but landed acted bitmap %d", limit, acted);
                }
                vm.assertEq(acted, expected, "a batch that succeeds lands every valid item");
            } else if (bytes4(ret) == IRoundtable.RoundtableBatchOutOfGas.selector) {
                ++itemOutOfGas;
                ++reverted;
            } else {
                vm.assertEq(ret.length, 0, "otherwise the batch itself ran out of gas");
                ++reverted;
            }
        }
        vm.revertToState(snapshot);
    }

    // ───────────────────────────────────────────────────── payload bounds (C4)

    function testFuzz_C4_payloadLengthsFrom1To16384AcceptedOthersRejected(uint256 lengthSeed) public {
        uint256 length = _bound(lengthSeed, 0, 2 * MAX_PAYLOAD);
        _acceptAll(id);
        bytes memory payload = new bytes(length);
        if (length == 0 || length > MAX_PAYLOAD) {
            vm.expectRevert(
                abi.encodeWithSelector(IRoundtable.RoundtableInvalidPayloadLength.selector, length, 1, MAX_PAYLOAD)
            );
            _submit(id, 0, 1, payload);
        } else {
            vm.expectEmit(address(rt));
            emit IRoundtable.PayloadSubmitted(id, accounts[0], 0, 1, payload);
            _submit(id, 0, 1, payload);
        }
    }

    function test_C4_emptyPayloadRejected() public {
        _acceptAll(id);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidPayloadLength.selector, 0, 1, MAX_PAYLOAD));
        _submit(id, 0, 1, "");
    }

    function test_C4_maximumPayloadAccepted() public {
        _acceptAll(id);
        _submit(id, 0, 1, _payload(MAX_PAYLOAD, 1));
        vm.assertEq(rt.sessionState(id).acted, 1, "16,384 bytes accepted");
    }

    function test_C4_payloadOneByteOverTheCapRejected() public {
        _acceptAll(id);
        bytes memory payload = _payload(MAX_PAYLOAD + 1, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidPayloadLength.selector, MAX_PAYLOAD + 1, 1, MAX_PAYLOAD)
        );
        _submit(id, 0, 1, payload);
    }

    function test_C4_complaintEvidenceOverTheCapRejected() public {
        _acceptAll(id);
        bytes memory evidence = new bytes(MAX_PAYLOAD + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidPayloadLength.selector, MAX_PAYLOAD + 1, 1, MAX_PAYLOAD)
        );
        vm.prank(accounts[0]);
        rt.complain(id, 0, 1, 1, evidence);
    }
}

/// @notice The largest sessions (255 parties, threats C4 and C6): the worst single transactions against a stated
/// bound of 5,000,000 gas. Every measured action is the first of its test, on state built in setUp, so storage
/// writes are priced as in a transaction of their own; the figure adds the intrinsic and calldata cost.
contract RoundtableGasTest is RoundtableTestBase {
    uint256 internal constant N = 255;
    uint8 internal constant T = 128;
    uint256 internal constant BOUND = 5_000_000;

    GasProbe internal probe;
    /// @dev Just created: nobody has accepted.
    uint256 internal fresh;
    /// @dev All but the last party accepted.
    uint256 internal almostAccepted;
    /// @dev Round 2 (12,192-byte encrypted shares) open, nobody submitted.
    uint256 internal round2;
    /// @dev Round 2 open, all but the last party submitted.
    uint256 internal almostRound2;
    /// @dev Agreement open, all but the last party agreed.
    uint256 internal almostAgreed;

    bytes internal signature;

    function setUp() public {
        _deploy();
        probe = new GasProbe();
        _loadParties(N, 255);
        signature = _payload(64, 1);
        fresh = _create(_plainKeygenConfig(accounts, T));

        almostAccepted = _create(_plainKeygenConfig(accounts, T));
        for (uint256 i = 0; i < N - 1; ++i) _accept(almostAccepted, uint8(i));

        round2 = _round2Session();
        almostRound2 = _round2Session();
        for (uint256 i = 0; i < N - 1; ++i) _submit(almostRound2, uint8(i), 2, _round2Payload(N, i));
        almostAgreed = _round2Session();
        for (uint256 i = 0; i < N; ++i) _submit(almostAgreed, uint8(i), 2, _round2Payload(N, i));
        for (uint256 i = 0; i < N - 1; ++i) _submit(almostAgreed, uint8(i), 3, signature);
    }

    function _round2Session() internal returns (uint256 sessionId) {
        sessionId = _create(_plainKeygenConfig(accounts, T));
        _acceptAll(sessionId);
        for (uint256 i = 0; i < N; ++i) _submit(sessionId, uint8(i), 1, _round1Payload(T, i));
    }

    function test_C6_createSessionWith255Parties() public {
        IRoundtable.SessionConfig memory config = _plainKeygenConfig(accounts, T);
        _measure("createSession, 255 parties", INITIATOR, abi.encodeCall(rt.createSession, (config)));
    }

    function test_C6_firstAcceptanceAt255Parties() public {
        bytes memory call = _acceptCall(fresh, 0);
        _measure("accept (first), 255 parties", accounts[0], call);
    }

    function test_C6_lastAcceptanceStartsTheSessionAt255Parties() public {
        bytes memory call = _acceptCall(almostAccepted, 254);
        _measure("accept (last, opens round 1), 255 parties", accounts[254], call);
        vm.assertEq(rt.sessionState(almostAccepted).round, 1, "started");
    }

    function test_C6_round2SubmissionOf12192BytesAt255Parties() public {
        bytes memory payload = _round2Payload(N, 0);
        vm.assertEq(payload.length, 12_192, "48 * 254 bytes");
        _measure(
            "submit 12,192 bytes (first), 255 parties",
            accounts[0],
            abi.encodeCall(rt.submit, (round2, 0, 2, payload))
        );
    }

    function test_C6_relayedRound2SubmissionOf12192BytesAt255Parties() public {
        IRoundtable.SignedAction memory a = _signedSubmit(round2, 0, 2, _round2Payload(N, 0));
        _measure("applySigned submit 12,192 bytes, 255 parties", STRANGER, abi.encodeCall(rt.applySigned, (a)));
    }

    function test_C6_lastRound2SubmissionOpensAgreementAt255Parties() public {
        bytes memory call = abi.encodeCall(rt.submit, (almostRound2, 254, 2, _round2Payload(N, 254)));
        _measure("submit 12,192 bytes (last, opens agreement), 255 parties", accounts[254], call);
        _assertPhase(almostRound2, IRoundtable.Phase.Agreeing, "agreement open");
    }

    function test_C6_lastAgreementFinalizesAt255Parties() public {
        bytes memory call = abi.encodeCall(rt.submit, (almostAgreed, 254, 3, signature));
        _measure("agree (last, finalizes), 255 parties", accounts[254], call);
        _assertPhase(almostAgreed, IRoundtable.Phase.Finalized, "finalized");
    }

    function test_C6_expiryAt255Parties() public {
        vm.warp(rt.sessionState(round2).deadline + 1);
        _measure("expire, 255 parties", STRANGER, abi.encodeCall(rt.expire, (round2)));
    }

    /// @dev Threat C4: a party's action does not loop over the parties, so its cost does not grow with n.
    function test_C4_acceptanceCostDoesNotGrowWithPartyCount() public {
        address[] memory three = new address[](3);
        for (uint256 i = 0; i < 3; ++i) three[i] = accounts[i];
        uint256 small = _create(_plainKeygenConfig(three, 2));
        bytes memory smallCall = _acceptCall(small, 0);
        bytes memory largeCall = _acceptCall(fresh, 0);
        uint256 atMax = probe.measure(accounts[0], address(rt), largeCall);
        uint256 atThree = probe.measure(accounts[0], address(rt), smallCall);
        console.log("accept: %d gas at 3 parties, %d gas at 255 parties", atThree, atMax);
        vm.assertEq(atMax, atThree, "no per-party loop in an acceptance");
    }

    /// @dev Execution gas from gasleft() (see {GasProbe}), plus 21,000 and calldata at the higher of the
    /// EIP-2028 price and the EIP-7623 floor, so the figure is a whole transaction's cost.
    function _measure(string memory what, address sender, bytes memory call) internal {
        uint256 execution = probe.measure(sender, address(rt), call);
        uint256 tokens = 0;
        for (uint256 i = 0; i < call.length; ++i) tokens += call[i] == 0 ? 1 : 4;
        uint256 standard = 21_000 + 4 * tokens + execution;
        uint256 floor = 21_000 + 10 * tokens;
        uint256 total = standard > floor ? standard : floor;
        console.log(what);
        console.log("  execution %d gas, transaction %d gas, calldata %d bytes", execution, total, call.length);
        vm.assertLt(total, BOUND, what);
    }
}
