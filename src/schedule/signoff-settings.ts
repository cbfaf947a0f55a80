import { z } from 'zod';
import { DEFAULT_ESCALATE_HOURS } from '../domain/signoff-schedule';

/** Escalation times a setting may name at most, and the furthest before a deadline (14 days). */
export const MAX_ESCALATIONS = 5;
export const MAX_ESCALATE_HOURS = 336;

const MESSAGE = `must be whole hours before the deadline, comma-separated (e.g. "24,2"), at most ${MAX_ESCALATIONS}, each from 1 to ${MAX_ESCALATE_HOURS}; or "none"`;

/**
 * SIGNOFF_ESCALATE_HOURS: the hours before a readiness request's deadline at which the
 * coordination conversation is told who has not answered. Unset or empty: 24 and 2; "none": no
 * escalations. Returns the hours (largest first, no repeats), or the message saying what is wrong.
 */
export const parseEscalateHours = (
  value: string | undefined,
): { ok: true; hours: number[] } | { ok: false; message: string } => {
  const text = (value ?? '').trim();
  if (text === '') return { ok: true, hours: [...DEFAULT_ESCALATE_HOURS] };
  if (text.toLowerCase() === 'none') return { ok: true, hours: [] };
  const parts = text.split(',').map((p) => p.trim());
  const hours = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  const valid = hours.every((h) => Number.isInteger(h) && h >= 1 && h <= MAX_ESCALATE_HOURS);
  const unique = [...new Set(hours)].sort((a, b) => b - a);
  if (!valid || unique.length > MAX_ESCALATIONS) return { ok: false, message: MESSAGE };
  return { ok: true, hours: unique };
};

/** The zod rule for src/config.ts: `SIGNOFF_ESCALATE_HOURS: escalateHoursSetting`. */
export const escalateHoursSetting = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const parsed = parseEscalateHours(value);
    if (parsed.ok) return parsed.hours;
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  });
