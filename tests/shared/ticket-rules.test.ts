// The ticket state machine both the desktop (offline) and the server enforce: every pair of states checked
// against the workflow an agent is taught, not against the table it is written in.
import { describe, expect, it } from 'vitest';
import {
  canTransition,
  isUnsolved,
  nextStatuses,
  PAUSED_STATUSES,
  TicketStatus,
  transitionError,
  type TicketStatus as Status,
} from '../../src/shared';

const ALL = TicketStatus.options;
const WORKING: Status[] = ['open', 'reopened', 'pending', 'on_hold'];

describe('ticket workflow', () => {
  it('has the seven states of the workflow, in the order lists show them', () => {
    expect(ALL).toEqual(['new', 'open', 'reopened', 'pending', 'on_hold', 'solved', 'closed']);
  });

  it('lets every state stay as it is (an edit of other fields)', () => {
    for (const s of ALL) expect(canTransition(s, s)).toBe(true);
  });

  it('never returns a ticket to new', () => {
    for (const s of ALL.filter((x) => x !== 'new')) {
      expect(canTransition(s, 'new')).toBe(false);
      expect(transitionError(s, 'new')).toMatch(/closed|new/);
    }
  });

  it('moves between the working states freely, except into reopened', () => {
    for (const from of [...WORKING, 'new' as const])
      for (const to of WORKING.filter((x) => x !== from && x !== 'reopened'))
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(true);
    for (const from of ALL.filter((x) => x !== 'solved' && x !== 'reopened'))
      expect(canTransition(from, 'reopened'), `${from} -> reopened`).toBe(false);
  });

  it('solves or closes any working ticket', () => {
    for (const from of ['new', ...WORKING] as Status[]) {
      expect(canTransition(from, 'solved')).toBe(true);
      expect(canTransition(from, 'closed')).toBe(true);
    }
  });

  it('takes a solved ticket back only by reopening it, or closes it', () => {
    expect(nextStatuses('solved')).toEqual(['reopened', 'closed']);
    for (const to of ['new', 'open', 'pending', 'on_hold'] as Status[]) {
      expect(canTransition('solved', to)).toBe(false);
      expect(transitionError('solved', to)).toBe(
        to === 'new'
          ? 'A ticket cannot go back to new.'
          : 'A solved ticket must be reopened (or closed) before anything else.',
      );
    }
  });

  it('keeps closed final, with the follow-up advice', () => {
    for (const to of ALL.filter((x) => x !== 'closed')) {
      expect(canTransition('closed', to)).toBe(false);
      expect(transitionError('closed', to)).toBe('This ticket is closed; open a follow-up ticket instead.');
    }
  });

  it('stops the SLA clocks while pending customer or on hold, and counts only those and the working ones as unsolved', () => {
    expect([...PAUSED_STATUSES].sort()).toEqual(['on_hold', 'pending']);
    expect(ALL.filter(isUnsolved)).toEqual(['new', 'open', 'reopened', 'pending', 'on_hold']);
  });
});
