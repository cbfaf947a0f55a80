/**
 * The changes the tab makes, each the cards' own use case: an admin resolves or reopens an issue,
 * a person edits their answer, an admin asks for an export link.
 */
import type { Server } from 'restify';
import { feedbackPersonKey } from '../app/feedback-keys';
import { openIssueRef } from '../app/issue-ref';
import { refuseNonAdmin } from '../app/mutate';
import type { Deps } from '../app/ports';
import { resolveIssue } from '../app/resolve-issue';
import { submitFeedback } from '../app/submit-feedback';
import { MAX_RESOLUTION_NOTE_LENGTH } from '../domain/feedback';
import { isAdmin } from '../domain/roles';
import type { InFlight } from '../in-flight';
import { parseFeedbackForm } from '../app/feedback-form';
import type { ExportResponse, FeedbackResponse, ResolveResponse } from './api-types';
import { issueView, myAnswer } from './dashboard-json';
import { activityKeyOf, bodyOf, formValues, HttpError, NOT_FOUND, rolloutIdOf, type Route } from './tab-http';

export const registerTabChanges = (
  server: Server,
  options: { deps: Deps; inFlight: InFlight; route: Route; writeMs: number },
): void => {
  const { deps, route, writeMs } = options;
  // Admins resolve (with a note) or reopen a blocker or major issue, audited as on the card.
  server.post(
    '/api/tab/rollouts/:id/issues',
    route(writeMs, async (req, viewer) => {
      const rolloutId = rolloutIdOf(req);
      const body = bodyOf(req);
      const { ref, resolved, note } = body;
      if (typeof ref !== 'string' || ref.length > 2000 || typeof resolved !== 'boolean') {
        throw new HttpError(400, 'BadRequest', 'Give the issue’s ref and whether it is resolved.');
      }
      const text = typeof note === 'string' ? note : '';
      if (text.length > MAX_RESOLUTION_NOTE_LENGTH) {
        throw new HttpError(
          400,
          'BadRequest',
          `A note has at most ${MAX_RESOLUTION_NOTE_LENGTH} characters.`,
          {
            note: `At most ${MAX_RESOLUTION_NOTE_LENGTH} characters.`,
          },
        );
      }
      const opened = openIssueRef(deps.sealer, viewer.tenantId, rolloutId, ref);
      if (!opened) throw new HttpError(400, 'BadRequest', 'That issue reference is not valid here: reload.');
      const outcome = await resolveIssue(
        { ...deps, access: viewer.access },
        { tenantId: viewer.tenantId, rolloutId, by: viewer.person, resolved, note: text, ...opened },
      );
      if (outcome.kind === 'forbidden') throw new HttpError(403, 'Forbidden', outcome.message);
      if (outcome.kind === 'not-found') throw new HttpError(404, 'NotFound', outcome.message);
      if (outcome.kind === 'refused')
        throw new HttpError(400, 'Refused', outcome.message, { note: outcome.message });
      const response: ResolveResponse = {
        outcome: outcome.kind,
        message: outcome.message,
        issue: issueView(outcome.rollout, outcome.entry, true, deps.sealer),
      };
      return { body: response };
    }),
  );

  // The viewer's own answer for the current stage: the card's rules, a retry stored once.
  server.put(
    '/api/tab/rollouts/:id/feedback',
    route(writeMs, async (req, viewer) => {
      const rolloutId = rolloutIdOf(req);
      const body = bodyOf(req);
      const stageId = typeof body.stageId === 'string' ? body.stageId.slice(0, 200) : '';
      const parsed = parseFeedbackForm(formValues(body.answer));
      if (!parsed.ok) {
        throw new HttpError(
          400,
          'Invalid',
          'Some answers need another look.',
          parsed.errors as Record<string, string>,
        );
      }
      const outcome = await submitFeedback(
        { ...deps, access: viewer.access },
        {
          tenantId: viewer.tenantId,
          rolloutId,
          stageId,
          by: viewer.person,
          activityKey: activityKeyOf(req, viewer),
          answer: parsed.answer,
        },
      );
      if (outcome.kind === 'not-found') throw new HttpError(404, 'NotFound', NOT_FOUND);
      if (outcome.kind === 'refused') throw new HttpError(403, 'Refused', outcome.message);
      if (outcome.kind === 'stored' && outcome.notice) {
        const notice = outcome.notice;
        void options.inFlight.track(async () => deps.notices.enqueue(notice));
      }
      const stored = await deps.feedback.get(
        viewer.tenantId,
        outcome.rollout.id,
        stageId,
        feedbackPersonKey(outcome.rollout.id, viewer.person.id),
      );
      const response: FeedbackResponse = {
        message:
          outcome.kind === 'stored' ? 'Thanks: your answer is saved.' : 'Your answer was already saved.',
        mine: myAnswer(outcome.rollout, {
          stageId,
          entry: stored?.value ?? outcome.entry,
          open: true,
          reason: null,
        }),
      };
      return { body: response };
    }),
  );

  // Admins: a signed, single-use CSV link (the export page), as `feedback export` sends.
  server.post(
    '/api/tab/rollouts/:id/export',
    route(writeMs, async (req, viewer) => {
      const rolloutId = rolloutIdOf(req);
      const rollout = (await deps.rollouts.get(viewer.tenantId, rolloutId))?.value;
      if (!rollout) throw new HttpError(404, 'NotFound', NOT_FOUND);
      if (!isAdmin(viewer.person, viewer.access, rollout)) {
        const refused = await refuseNonAdmin(
          { ...deps, access: viewer.access },
          viewer.tenantId,
          rollout.id,
          viewer.person,
          'feedback export (dashboard)',
          activityKeyOf(req, viewer),
        );
        throw new HttpError(403, 'Forbidden', refused.message);
      }
      const body: ExportResponse = deps.exportLinks.issue(viewer.tenantId, rollout.id);
      return { body };
    }),
  );
};
