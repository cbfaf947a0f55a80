import type { SearchHandler } from '../handler';
import { groupSearch } from './group-search';

/** Every typeahead dataset (`Data.Query`) the bot answers. */
export const SEARCHES: readonly SearchHandler[] = [groupSearch];
