// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Roundtable} from "../../contracts/Roundtable.sol";
import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";
import {OwnedWallet} from "./Wallets.sol";

/// @notice Drives random sessions for the invariant tests: it creates key-generation and signing sessions among a
/// pool of parties whose keys it knows (one of them an ERC-1271 wallet), has parties act correctly (directly or
/// relayed, with their own signatures), complains, expires, cancels, moves time, and tries unauthorized actions.
/// It keeps ghost state: the transcript every session should have, the last status and round it saw, and counts
/// of anything that should never happen.
contract RoundtableHandler is RoundtableTestBase {
    uint256 internal constant POOL = 6;
    uint256 internal constant MAX_SESSIONS = 12;

    /// @dev The pool, sorted by address; a session's parties are a subset of it, so they stay sorted.
    address[] internal pool;
    uint256[] internal poolKeys;

    uint256[] public sessions;
    mapping(uint256 sessionId => address[]) internal _parties;
    mapping(uint256 sessionId => uint256[]) internal _partyKeys;
    mapping(uint256 sessionId => bool) internal _signing;

    // ─────────────────────────────────────────────────────── ghost state

    mapping(uint256 sessionId => bytes32) public expectedTranscript;
    mapping(uint256 sessionId => IRoundtable.Status) public lastStatus;
    mapping(uint256 sessionId => uint8) public lastRound;
    /// @dev A status that left a terminal state, or a round that went down.
    uint256 public regressions;
    /// @dev Unauthorized attempts made, and how many of them succeeded (must stay zero).
    uint256 public unauthorizedAttempts;
    uint256 public unauthorizedSuccesses;
    /// @dev Correct actions, in time, by a party that had not acted: made, and failed (must stay zero).
    uint256 public correctActions;
    uint256 public correctActionFailures;
    /// @dev `expire` succeeded at or before the deadline, or failed after it on an active session.
    uint256 public expiryMismatches;
    uint256 public terminalSessions;
    /// @dev Coverage: how far the random sequences got.
    uint256 public signingSessions;
    uint256 public finalized;
    uint256 public complaints;
    uint256 public expiries;
    uint256 public cancellations;

    constructor(Roundtable roundtable) {
        rt = roundtable;
        (address[] memory eoas, uint256[] memory eoaKeys) = _makeParties(POOL - 1, 0x1417);
        uint256 ownerKey = 0x0BE5_A11CE;
        OwnedWallet wallet = new OwnedWallet(vm.addr(ownerKey));
        (address[] memory all, uint256[] memory allKeys, ) = _insertParty(eoas, eoaKeys, address(wallet), ownerKey);
        for (uint256 i = 0; i < POOL; ++i) {
            pool.push(all[i]);
            poolKeys.push(allKeys[i]);
        }
    }

    function sessionCount() external view returns (uint256) {
        return sessions.length;
    }

    // ───────────────────────────────────────────────────────── actions

    /// @notice Creates a key generation among a subset of the pool, or a signing session under a finalized key.
    function create(uint256 seed) external {
        if (sessions.length >= MAX_SESSIONS) return;
        IRoundtable.SessionConfig memory config;
        (address[] memory parties, uint256[] memory partyKeys) = _subset(pool, poolKeys, seed, MIN_PARTIES);
        uint256 keyId = _finalizedKeygen(seed >> 8);
        if (keyId != 0 && (seed >> 16) % 2 == 0) {
            uint8 t = rt.thresholdOf(keyId);
            (parties, partyKeys) = _subset(_parties[keyId], _partyKeys[keyId], seed >> 24, t);
            config = _plainKeygenConfig(parties, t);
            config.kind = IRoundtable.SessionKind.Signing;
            config.protocol = FROST_SIGN;
            config.keySession = keyId;
            config.message = keccak256(abi.encode("message", seed));
        } else {
            uint8 t = uint8(_bound(seed >> 32, MIN_THRESHOLD, parties.length));
            config = _plainKeygenConfig(parties, t);
        }
        config.acceptanceDuration = uint32(_bound(seed >> 40, 1 hours, 2 days));
        config.rounds = _schedule(seed >> 80);

        vm.prank(INITIATOR);
        uint256 sessionId = rt.createSession(config);
        sessions.push(sessionId);
        lastStatus[sessionId] = IRoundtable.Status.Active;
        _signing[sessionId] = config.kind == IRoundtable.SessionKind.Signing;
        if (_signing[sessionId]) ++signingSessions;
        for (uint256 i = 0; i < parties.length; ++i) {
            _parties[sessionId].push(parties[i]);
            _partyKeys[sessionId].push(partyKeys[i]);
        }
        _observeAll();
    }

    /// @notice One to four parties that have not acted yet do the right thing for the open phase, each directly
    /// or relayed.
    function act(uint256 sessionSeed, uint256 partySeed, uint256 resultSeed, uint8 steps) external {
        (bool found, uint256 sessionId) = _pickOpen(sessionSeed);
        if (!found) return;
        for (uint256 k = 0; k <= steps % 4; ++k) {
            IRoundtable.SessionState memory state = rt.sessionState(sessionId);
            if (_statusOf(state.phase) != IRoundtable.Status.Active) break;
            uint256 stepSeed = uint256(keccak256(abi.encode(partySeed, resultSeed, k)));
            uint8 party = _pickSilent(state, k == 0 ? partySeed : stepSeed);
            IRoundtable.SignedAction memory a = _correctAction(sessionId, state, party, k == 0 ? resultSeed : stepSeed);

            ++correctActions;
            bool relayed = (stepSeed >> 128) & 1 == 1;
            bool ok = relayed ? _applySigned(_sign(_partyKeys[sessionId][party], a)) : _direct(sessionId, a);
            if (ok) {
                expectedTranscript[sessionId] = _fold(expectedTranscript[sessionId], party, _structHash(a));
            } else {
                ++correctActionFailures;
            }
        }
        _observeAll();
    }

    /// @notice A party complains against another (rarely, so that sessions also get to finish).
    function complain(uint256 sessionSeed, uint256 partySeed, uint256 accusedSeed, bool relayed) external {
        if (accusedSeed % 4 != 0) return;
        (bool found, uint256 sessionId) = _pickOpen(sessionSeed);
        if (!found) return;
        IRoundtable.SessionState memory state = rt.sessionState(sessionId);
        if (state.round == 0 || state.partyCount < 2) return;
        uint8 party = uint8(partySeed % state.partyCount);
        uint8 accused = uint8((party + 1 + ((accusedSeed >> 8) % (state.partyCount - 1))) % state.partyCount);
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Complain,
            sessionId,
            party,
            state.round,
            0,
            _payload(97, accusedSeed)
        );
        a.accused = accused;

        ++correctActions;
        bool ok = relayed ? _applySigned(_sign(_partyKeys[sessionId][party], a)) : _direct(sessionId, a);
        if (ok) {
            ++complaints;
            expectedTranscript[sessionId] = _fold(expectedTranscript[sessionId], party, _structHash(a));
        } else {
            ++correctActionFailures;
        }
        _observeAll();
    }

    /// @notice Anyone calls expire; it must succeed exactly when an active session's deadline has passed.
    function expire(uint256 sessionSeed) external {
        if (sessions.length == 0) return;
        uint256 sessionId = sessions[sessionSeed % sessions.length];
        IRoundtable.SessionState memory state = rt.sessionState(sessionId);
        bool active = lastStatus[sessionId] == IRoundtable.Status.Active;
        vm.prank(STRANGER);
        try rt.expire(sessionId) {
            ++expiries;
            if (!active || block.timestamp <= state.deadline) ++expiryMismatches;
        } catch {
            if (active && block.timestamp > state.deadline) ++expiryMismatches;
        }
        _observeAll();
    }

    /// @notice The initiator cancels (allowed before the start only).
    function cancel(uint256 sessionSeed) external {
        if (sessions.length == 0) return;
        uint256 sessionId = sessions[sessionSeed % sessions.length];
        vm.prank(INITIATOR);
        try rt.cancel(sessionId) {
            ++cancellations;
        } catch {} // solhint-disable-line no-empty-blocks
        _observeAll();
    }

    function warp(uint256 secondsSeed) external {
        vm.warp(block.timestamp + _bound(secondsSeed, 1, 1 days));
        _observeAll();
    }

    /// @notice Tries an action that nobody authorized; none may ever succeed.
    function attack(uint256 sessionSeed, uint256 partySeed, uint256 mode) external {
        (bool found, uint256 sessionId) = _pickOpen(sessionSeed);
        if (!found) return;
        IRoundtable.SessionState memory state = rt.sessionState(sessionId);
        uint8 party = _pickSilent(state, partySeed);
        address account = _parties[sessionId][party];
        IRoundtable.SignedAction memory a = _correctAction(sessionId, state, party, partySeed >> 8);
        address impostor = pool[(partySeed >> 16) % POOL] == account ? STRANGER : pool[(partySeed >> 16) % POOL];
        uint256 wrongKey = (uint256(keccak256(abi.encode("wrong key", partySeed))) % (SECP256K1_N - 1)) + 1;

        bool ok;
        mode %= 5;
        if (mode == 0) {
            // Another account sends the party's action as its own.
            ok = _directFrom(impostor, sessionId, a);
        } else if (mode == 1) {
            // Signed by a key that is not the party's.
            ok = _applySigned(_sign(wrongKey, a));
        } else if (mode == 2) {
            // Signed by the party, then altered in flight.
            a = _sign(_partyKeys[sessionId][party], a);
            if (a.action == IRoundtable.ActionType.Commit) a.word = bytes32(uint256(a.word) ^ 1);
            else a.data[a.data.length - 1] ^= 0x01;
            ok = _applySigned(a);
        } else if (mode == 3) {
            // Signed by the party for another session, replayed here.
            a.sessionId = sessionId + 1;
            a = _sign(_partyKeys[sessionId][party], a);
            a.sessionId = sessionId;
            ok = _applySigned(a);
        } else {
            // Someone other than the initiator cancels.
            vm.prank(impostor);
            try rt.cancel(sessionId) {
                ok = true;
            } catch {} // solhint-disable-line no-empty-blocks
        }
        ++unauthorizedAttempts;
        if (ok) ++unauthorizedSuccesses;
        _observeAll();
    }

    // ───────────────────────────────────────────────────── observation

    /// @dev Records each session's status and round, counting any step backwards.
    function _observeAll() internal {
        uint256 terminal = 0;
        for (uint256 i = 0; i < sessions.length; ++i) {
            uint256 sessionId = sessions[i];
            IRoundtable.SessionState memory state = rt.sessionState(sessionId);
            IRoundtable.Status status = _statusOf(state.phase);
            IRoundtable.Status previous = lastStatus[sessionId];
            if (previous != IRoundtable.Status.Active && status != previous) ++regressions;
            if (state.round < lastRound[sessionId]) ++regressions;
            if (status != IRoundtable.Status.Active) ++terminal;
            if (status == IRoundtable.Status.Finalized && previous == IRoundtable.Status.Active) ++finalized;
            lastStatus[sessionId] = status;
            lastRound[sessionId] = state.round;
        }
        terminalSessions = terminal;
    }

    function _statusOf(IRoundtable.Phase phase) internal pure returns (IRoundtable.Status) {
        if (phase == IRoundtable.Phase.Finalized) return IRoundtable.Status.Finalized;
        if (phase == IRoundtable.Phase.Aborted) return IRoundtable.Status.Aborted;
        if (phase == IRoundtable.Phase.Cancelled) return IRoundtable.Status.Cancelled;
        return IRoundtable.Status.Active;
    }

    // ───────────────────────────────────────────────────────── helpers

    /// @dev An active session whose phase is open (not past its deadline), starting the search at `seed`.
    function _pickOpen(uint256 seed) internal view returns (bool found, uint256 sessionId) {
        uint256 count = sessions.length;
        for (uint256 k = 0; k < count; ++k) {
            sessionId = sessions[(seed + k) % count];
            IRoundtable.Phase phase = rt.sessionState(sessionId).phase;
            if (_statusOf(phase) == IRoundtable.Status.Active && phase != IRoundtable.Phase.Expired) {
                return (true, sessionId);
            }
        }
        return (false, 0);
    }

    /// @dev A party that has not acted in the open phase (one always exists: the phase closes when all have).
    function _pickSilent(IRoundtable.SessionState memory state, uint256 seed) internal pure returns (uint8) {
        for (uint256 k = 0; k < state.partyCount; ++k) {
            uint8 party = uint8((seed + k) % state.partyCount);
            if ((state.acted >> party) & 1 == 0) return party;
        }
        revert("every party has acted in an open phase");
    }

    /// @dev The action `party` must take now. Payloads are derived from (session, round, party), so a reveal
    /// matches its commitment; the agreed result is the session's, except when `resultSeed` picks a dissenter.
    function _correctAction(
        uint256 sessionId,
        IRoundtable.SessionState memory state,
        uint8 party,
        uint256 resultSeed
    ) internal view returns (IRoundtable.SignedAction memory a) {
        if (state.phase == IRoundtable.Phase.Accepting) {
            return
                _action(
                    IRoundtable.ActionType.Accept,
                    sessionId,
                    party,
                    0,
                    rt.configHashOf(sessionId),
                    _acceptData(sessionId, party, address(0))
                );
        }
        bytes memory payload = _payload(
            1 + ((sessionId * 7 + state.round * 13 + party) % 200),
            sessionId * 1000 + state.round
        );
        if (state.phase == IRoundtable.Phase.Committing) {
            bytes32 commitment = rt.commitmentOf(sessionId, state.round, _parties[sessionId][party], payload);
            return _action(IRoundtable.ActionType.Commit, sessionId, party, state.round, commitment, "");
        }
        if (state.phase == IRoundtable.Phase.Agreeing) {
            payload =
                uint256(keccak256(abi.encode(resultSeed))) % 32 == 0 ? _groupKey(resultSeed) : _groupKey(sessionId);
        }
        return _action(IRoundtable.ActionType.Submit, sessionId, party, state.round, 0, payload);
    }

    function _direct(uint256 sessionId, IRoundtable.SignedAction memory a) internal returns (bool) {
        return _directFrom(_parties[sessionId][a.party], sessionId, a);
    }

    function _directFrom(
        address sender,
        uint256 sessionId,
        IRoundtable.SignedAction memory a
    ) internal returns (bool ok) {
        bytes memory call;
        if (a.action == IRoundtable.ActionType.Accept) {
            // Signed Accept data is key (33) | proof (64) | optional delegate (20).
            address delegate = a.data.length > 97 ? address(bytes20(_slice(a.data, 97, 117))) : address(0);
            call = abi.encodeCall(
                rt.accept,
                (sessionId, a.party, a.word, _slice(a.data, 0, 33), _slice(a.data, 33, 97), delegate)
            );
        } else if (a.action == IRoundtable.ActionType.Commit) {
            call = abi.encodeCall(rt.commit, (sessionId, a.party, a.round, a.word));
        } else if (a.action == IRoundtable.ActionType.Submit) {
            call = abi.encodeCall(rt.submit, (sessionId, a.party, a.round, a.data));
        } else {
            call = abi.encodeCall(rt.complain, (sessionId, a.party, a.round, a.accused, a.data));
        }
        vm.prank(sender);
        (ok, ) = address(rt).call(call);
    }

    function _applySigned(IRoundtable.SignedAction memory a) internal returns (bool ok) {
        vm.prank(STRANGER);
        (ok, ) = address(rt).call(abi.encodeCall(rt.applySigned, (a)));
    }

    /// @dev The EIP-712 struct hash of `a`, computed here from the type strings, not by the contract.
    function _structHash(IRoundtable.SignedAction memory a) internal pure returns (bytes32) {
        if (a.action == IRoundtable.ActionType.Accept) {
            address delegate = a.data.length > 97 ? address(bytes20(_slice(a.data, 97, 117))) : address(0);
            return _acceptStructHash(a.sessionId, a.party, a.word, _slice(a.data, 0, 33), delegate);
        }
        if (a.action == IRoundtable.ActionType.Commit) return _commitStructHash(a.sessionId, a.party, a.round, a.word);
        if (a.action == IRoundtable.ActionType.Submit) return _submitStructHash(a.sessionId, a.party, a.round, a.data);
        return _complainStructHash(a.sessionId, a.party, a.round, a.accused, a.data);
    }

    /// @dev A subset of `from` (kept in order) of at least `min` members, chosen by the bits of `seed`.
    function _subset(
        address[] memory from,
        uint256[] memory fromKeys,
        uint256 seed,
        uint256 min
    ) internal pure returns (address[] memory parties, uint256[] memory partyKeys) {
        uint256 n = from.length;
        uint256 mask = seed & ((uint256(1) << n) - 1);
        for (uint256 i = 0; _popcount(mask) < min && i < n; ++i) mask |= uint256(1) << i;
        parties = new address[](_popcount(mask));
        partyKeys = new uint256[](parties.length);
        uint256 j = 0;
        for (uint256 i = 0; i < n; ++i) {
            if ((mask >> i) & 1 == 1) {
                parties[j] = from[i];
                partyKeys[j] = fromKeys[i];
                ++j;
            }
        }
    }

    function _popcount(uint256 x) internal pure returns (uint256 count) {
        for (; x != 0; x &= x - 1) ++count;
    }

    /// @dev One to four rounds of 1 hour to 2 days; any but the last may be commit-then-reveal.
    function _schedule(uint256 seed) internal pure returns (IRoundtable.RoundSpec[] memory rounds) {
        rounds = new IRoundtable.RoundSpec[]((seed % 4) + 1);
        for (uint256 i = 0; i < rounds.length; ++i) {
            uint256 bits = seed >> (8 + 40 * i);
            rounds[i].duration = uint32(_bound(bits, 1 hours, 2 days));
            rounds[i].commitReveal = i + 1 < rounds.length && (bits >> 32) % 2 == 1;
        }
    }

    /// @dev A finalized key-generation session, if any (the search starts at `seed`); 0 if none.
    function _finalizedKeygen(uint256 seed) internal view returns (uint256) {
        uint256 count = sessions.length;
        for (uint256 k = 0; k < count; ++k) {
            uint256 sessionId = sessions[(seed + k) % count];
            if (lastStatus[sessionId] == IRoundtable.Status.Finalized && !_signing[sessionId]) return sessionId;
        }
        return 0;
    }
}
