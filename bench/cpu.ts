import { readFileSync } from 'node:fs';

/** Linux reports a process's CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used, from /proc; null where there is no /proc. */
const processCpuMs = (pid: number): number | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
};

/** Share of one core each side used over a span: this process (bot and load) and Azurite's. */
export interface CpuShare {
  self: number;
  azurite: number | null;
}

/** Starts measuring; the returned function gives the CPU use since, in % of one core. */
export const measureCpu = (azuritePid: number): (() => CpuShare) => {
  const started = performance.now();
  const self = process.cpuUsage();
  const azurite = processCpuMs(azuritePid);
  return () => {
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(self);
    const azuriteNow = processCpuMs(azuritePid);
    return {
      self: ((used.user + used.system) / 1000 / wallMs) * 100,
      azurite: azurite === null || azuriteNow === null ? null : ((azuriteNow - azurite) / wallMs) * 100,
    };
  };
};
