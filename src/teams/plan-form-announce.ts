/**
 * The announcement field of the phase and wave forms (`announce`: what entering the stage does
 * about its announcement): the value it opens with, and the setting a submitted form asks for.
 */
import { ANNOUNCE_MODES, DEFAULT_ANNOUNCE_MODE, type AnnounceMode } from '../domain/announcement';
import { announceEntry } from '../domain/plan';
import type { FieldErrors, Values } from './plan-form';

/** The form field of a stage's announcement setting. */
export type AnnounceField = 'announce';

/** A stage's announcement setting as its form shows it: its own, else the default (prompt). */
export const announceValues = (announce: AnnounceMode | undefined): Values<AnnounceField> => ({
  announce: announce ?? DEFAULT_ANNOUNCE_MODE,
});

/**
 * The setting a form asks for, as the plan holds it (`announceEntry`: no key for prompt). A form
 * made before the setting existed (or a client leaving the choice out) sends none: prompt.
 */
export const announceFrom = (
  v: Values<AnnounceField>,
  errors: FieldErrors<AnnounceField>,
): { announce?: AnnounceMode } => {
  const given = (v.announce ?? '').trim() || DEFAULT_ANNOUNCE_MODE;
  const announce = ANNOUNCE_MODES.find((m) => m === given);
  if (!announce) errors.announce = `Choose ${ANNOUNCE_MODES.join(', ')}.`;
  return announceEntry(announce);
};
