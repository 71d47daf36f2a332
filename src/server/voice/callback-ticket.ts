import type { Interaction } from '../../shared';
import { customerForContact } from '../customers/identity';
import { retryConflicts } from '../db/retry';
import type { Db } from '../db/schema';
import { fileIntakeTicket } from '../intake/file-ticket';
import { formatPhone } from '../../shared/phone';

/**
 * The callback ticket of a waiting caller (README "Waiting calls"): the customer is found or made by the
 * caller's number in the queue's department (customerForContact), and a ticket for that department, unassigned,
 * asks for the call back. Resolves to the ticket's id.
 */
export function callbackTicketMaker(db: Db) {
  return (call: Omit<Interaction, 'version'>, now: Date): Promise<string> =>
    retryConflicts(() =>
      db.transaction().execute(async (trx) => {
        const { customer } = await customerForContact(
          trx,
          { phone: call.callerNumber },
          call.departmentId,
          now,
        );
        const shown = call.callerNumber.startsWith('+') ? formatPhone(call.callerNumber) : call.callerNumber;
        const { ticketId } = await fileIntakeTicket(
          trx,
          {
            departmentId: call.departmentId,
            customerId: customer.id,
            subject: `回电请求 Callback requested: ${shown}`,
            description:
              `The caller waited in queue ${call.queueNumber ?? ''} and asked to be called back ` +
              `(Call-ID ${call.callId}, called at ${call.ringAt}).\n` +
              `来电者在队列 ${call.queueNumber ?? ''} 中等待，请求回电。`,
            priority: 'normal',
            channel: 'phone',
            by: 'Call queue',
          },
          now,
          // Triage (issue 15): the call's queue decided the department; priority and category are triage's.
          { department: true, priority: false },
        );
        return ticketId;
      }),
    );
}
