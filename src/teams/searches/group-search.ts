import { DirectoryError } from '../../app/errors';
import type { DirectoryGroup } from '../../app/ports';
import { isAdmin } from '../../domain/roles';
import { FEATURE_PERMISSIONS } from '../../graph/permissions';
import type { SearchChoice, SearchHandler, SearchResult } from '../handler';

/** The `Data.Query` dataset of the plan forms' group pickers. */
export const GROUP_DATASET = 'entra-groups';

/** Groups read from Graph for one search at most (the page asked for ends here). */
export const MAX_GROUP_RESULTS = 100;

const PASTE = "paste the group's object id into the groups box instead";

const refused = (statusCode: 400 | 500, code: string, message: string): SearchResult => ({
  error: { statusCode, code, message },
});

/** Why Graph gave no groups, said to the person (the permission by name when it is missing). */
const failure = (err: DirectoryError): SearchResult => {
  switch (err.kind) {
    case 'forbidden':
      return refused(
        500,
        'GraphPermissionMissing',
        `Group search needs the Microsoft Graph application permission ${FEATURE_PERMISSIONS['group-search'].join(', ')} (granted with admin consent in Entra ID); until then, ${PASTE}.`,
      );
    case 'invalid':
      return refused(
        400,
        'BadRequest',
        `Microsoft Graph could not search for that text: try other words, or ${PASTE}.`,
      );
    case 'throttled':
      return refused(500, 'GraphBusy', `Microsoft Graph is busy: type again in a moment, or ${PASTE}.`);
    default:
      return refused(
        500,
        'GraphUnavailable',
        `Microsoft Graph did not answer the search: try again, or ${PASTE}.`,
      );
  }
};

/** Display names as choices; groups of the same name tell their ids apart. */
const choicesOf = (groups: readonly DirectoryGroup[]): SearchChoice[] => {
  const key = (g: DirectoryGroup): string => g.displayName.toLowerCase();
  const named = new Map<string, number>();
  for (const g of groups) named.set(key(g), (named.get(key(g)) ?? 0) + 1);
  return groups.map((g) => ({
    title: !g.displayName
      ? g.id
      : (named.get(key(g)) ?? 0) > 1
        ? `${g.displayName} (${g.id.slice(0, 8)}…)`
        : g.displayName,
    value: g.id,
  }));
};

/**
 * Entra groups by display name (`groups?$search` in the searcher's own tenant, through the
 * Directory port, which escapes the text), for the plan forms' group pickers. Only people who
 * may edit plans in the tenant search: configured admins and members of ADMIN_GROUP_IDS (the
 * invoke names no rollout, so a rollout's creator who is neither pastes ids). Without Graph, or
 * when Graph fails, the answer is an error saying so, and pasting a group id still works.
 */
export const groupSearch: SearchHandler = {
  dataset: GROUP_DATASET,
  async run({ turn, deps }, query) {
    if (!isAdmin(turn.from, deps.access)) {
      return deps.access.unavailable
        ? refused(
            500,
            'GraphUnavailable',
            `I cannot check your role right now (Microsoft Graph did not answer): try again in a few minutes, or ${PASTE}.`,
          )
        : refused(400, 'Forbidden', 'Only rollout admins can search groups.');
    }
    const directory = deps.facts.directory;
    if (!directory) {
      return refused(
        400,
        'GraphNotConfigured',
        `Group search needs Microsoft Graph, which this bot is not configured for (GRAPH_AUTH): ${PASTE}.`,
      );
    }
    const end = query.skip + query.top;
    if (query.skip >= MAX_GROUP_RESULTS) return { choices: [] };
    try {
      const groups = await directory.searchGroups(
        turn.tenantId,
        query.text,
        Math.min(end, MAX_GROUP_RESULTS),
      );
      return { choices: choicesOf(groups.slice(query.skip, end)) };
    } catch (err) {
      if (!(err instanceof DirectoryError)) throw err;
      deps.log.warn({ err, tenantId: turn.tenantId, kind: err.kind }, 'group search failed');
      return failure(err);
    }
  },
};
