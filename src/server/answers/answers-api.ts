import express, { type Request } from 'express';
import { Id, parseOrThrow, type User } from '../../shared';
import { ANSWERS_REST, type AnswerSuggestions } from '../../shared/answers';
import type { AnswersService } from './answers-service';

/**
 * GET /api/answers/ticket/:id and GET /api/answers/chat/:id: the suggested answer beside a ticket or a chat, for
 * a signed-in user whose department scope holds it (else not_found). Reads only: nothing is sent or changed.
 */
export function answersRouter(deps: {
  answers: AnswersService;
  bearerUser: (req: Request) => Promise<User>;
}): express.Router {
  const r = express.Router();
  const reply = (res: express.Response, body: AnswerSuggestions) =>
    res.set('cache-control', 'no-store').json(body);
  r.get(ANSWERS_REST.ticket(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    reply(res, await deps.answers.forTicket(user, parseOrThrow(Id, req.params.id, 'ticket id')));
  });
  r.get(ANSWERS_REST.chat(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    reply(res, await deps.answers.forChat(user, parseOrThrow(Id, req.params.id, 'chat id')));
  });
  return r;
}
