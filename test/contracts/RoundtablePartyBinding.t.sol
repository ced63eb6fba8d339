// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";
import {ERC1271_MAGIC_VALUE, OwnedWallet} from "./Wallets.sol";

/// @notice Threat B6: one party's signed action placed in another party's slot. Parties are distinct accounts, but
/// one key can still sign for two of them: here party `w` is an ERC-1271 wallet that accepts any digest its owner
/// signed, and its owner is party `e`'s key. Every signed struct names its party, so the digests differ and neither
/// party's signature fills the other's slot, in either direction.
contract RoundtablePartyBindingTest is RoundtableTestBase {
    uint8 internal constant T = 2;

    OwnedWallet internal wallet;
    /// @dev The wallet's party index, its owner's (an EOA party) and a third party.
    uint8 internal w;
    uint8 internal e;
    uint8 internal third;
    uint256 internal id;

    function setUp() public {
        _deploy();
        _loadParties(3, 1);
        address owner = accounts[0];
        uint256 ownerKey = keys[0];
        wallet = new OwnedWallet(owner);
        (address[] memory parties, uint256[] memory partyKeys, uint8 index) = _insertParty(
            accounts,
            keys,
            address(wallet),
            ownerKey
        );
        delete accounts;
        delete keys;
        for (uint256 i = 0; i < parties.length; ++i) {
            accounts.push(parties[i]);
            keys.push(partyKeys[i]);
            if (parties[i] == owner) e = uint8(i);
        }
        w = index;
        third = _neither(e, w);
        id = _create(_keygenConfig(accounts, T));
    }

    function _neither(uint8 a, uint8 b) internal pure returns (uint8 c) {
        while (c == a || c == b) ++c;
    }

    function _invalidSignature(uint8 party) internal view returns (bytes memory) {
        return _err(IRoundtable.RoundtableInvalidSignature.selector, id, party, accounts[party]);
    }

    /// @dev Round 2 (a plain submission) open: everyone accepted, committed and revealed directly.
    function _toRound2() internal {
        _acceptAll(id);
        for (uint8 i = 0; i < accounts.length; ++i) _commit(id, i, 1, _round1Payload(T, i));
        for (uint8 i = 0; i < accounts.length; ++i) _submit(id, i, 1, _round1Payload(T, i));
        _assertPhase(id, IRoundtable.Phase.Submitting, "round 2 open");
    }

    /// @dev `a` signed by the shared key for `from`, then moved by a relayer into `to`'s slot.
    function _moved(
        IRoundtable.SignedAction memory a,
        uint8 from,
        uint8 to
    ) internal view returns (IRoundtable.SignedAction memory) {
        a.party = from;
        a = _sign(keys[from], a);
        a.party = to;
        return a;
    }

    // ──────────────────────────────────────────────────────── the setting

    /// @dev The wallet accepts its owner's signature of any digest, and the owner is party e: one key, two slots.
    function test_B6_theWalletAcceptsAnyDigestItsOwnerSigned() public view {
        vm.assertEq(keys[w], keys[e], "one key signs for both parties");
        IRoundtable.SignedAction memory a = _signedSubmit(id, e, 2, hex"01");
        vm.assertEq(
            wallet.isValidSignature(rt.digestOf(a), a.signature),
            ERC1271_MAGIC_VALUE,
            "party e's signature is valid for the wallet, given the same digest"
        );
    }

    function testFuzz_B6_digestDiffersPerParty(uint8 typeSeed, uint8 round, bytes32 word) public view {
        IRoundtable.ActionType actionType = IRoundtable.ActionType(typeSeed % 4);
        bytes memory data =
            actionType == IRoundtable.ActionType.Accept ? _acceptData(id, e, address(0)) : abi.encodePacked(word);
        IRoundtable.SignedAction memory a = _action(actionType, id, e, round, word, data);
        bytes32 digestE = rt.digestOf(a);
        a.party = w;
        vm.assertNotEq(rt.digestOf(a), digestE, "the digest names the party");
    }

    // ─────────────────────────────────────────────────── each action type

    /// @dev As relayed, the key proof names party e; with a valid proof for w, e's signature still names e.
    function test_B6_signedAcceptOfOnePartyInTheOthersSlotRejected() public {
        IRoundtable.SignedAction memory a = _signedAccept(id, e);
        a.party = w;
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidKeyProof.selector, id, w, bytes32(ENCRYPTION_X))
        );
        rt.applySigned(a);

        a.data = _acceptData(id, w, address(0));
        vm.expectRevert(_invalidSignature(w));
        rt.applySigned(a);

        a = _signedAccept(id, w);
        a.party = e;
        a.data = _acceptData(id, e, address(0));
        vm.expectRevert(_invalidSignature(e));
        rt.applySigned(a);
        vm.assertEq(rt.sessionState(id).acted, 0, "nobody accepted");
    }

    function test_B6_signedCommitOfOnePartyInTheOthersSlotRejected() public {
        _acceptAll(id);
        bytes32 commitment = rt.commitmentOf(id, 1, accounts[e], _round1Payload(T, e));
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Commit, id, e, 1, commitment, "");
        IRoundtable.SignedAction memory eToW = _moved(a, e, w);
        vm.expectRevert(_invalidSignature(w));
        rt.applySigned(eToW);
        IRoundtable.SignedAction memory wToE = _moved(a, w, e);
        vm.expectRevert(_invalidSignature(e));
        rt.applySigned(wToE);

        rt.applySigned(_moved(a, e, e));
        vm.assertEq(rt.sessionState(id).acted, uint256(1) << e, "valid in its own slot");
    }

    function testFuzz_B6_signedSubmitOfOnePartyInTheOthersSlotRejected(bytes memory payload) public {
        vm.assume(payload.length > 0 && payload.length <= MAX_PAYLOAD);
        _toRound2();
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Submit, id, e, 2, 0, payload);
        IRoundtable.SignedAction memory eToW = _moved(a, e, w);
        vm.expectRevert(_invalidSignature(w));
        rt.applySigned(eToW);
        IRoundtable.SignedAction memory wToE = _moved(a, w, e);
        vm.expectRevert(_invalidSignature(e));
        rt.applySigned(wToE);
        vm.assertEq(rt.sessionState(id).acted, 0, "nothing recorded");
    }

    function test_B6_signedComplaintOfOnePartyInTheOthersSlotRejected() public {
        _toRound2();
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Complain, id, e, 2, 0, _payload(97, 6));
        a.accused = third;
        IRoundtable.SignedAction memory eToW = _moved(a, e, w);
        vm.expectRevert(_invalidSignature(w));
        rt.applySigned(eToW);
        IRoundtable.SignedAction memory wToE = _moved(a, w, e);
        vm.expectRevert(_invalidSignature(e));
        rt.applySigned(wToE);
        _assertPhase(id, IRoundtable.Phase.Submitting, "not aborted");
    }

    /// @dev In a batch, the moved item is rejected and the rest land.
    function test_B6_movedItemInABatchRejectedAndTheOthersLand() public {
        _toRound2();
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](2);
        items[0] = _moved(_action(IRoundtable.ActionType.Submit, id, e, 2, 0, _round2Payload(4, e)), e, w);
        items[1] = _signedSubmit(id, e, 2, _round2Payload(4, e));
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(id, 0, w, _invalidSignature(w));
        rt.batch(_pack(items));
        vm.assertEq(rt.sessionState(id).acted, uint256(1) << e, "only party e's own item landed");
    }
}
