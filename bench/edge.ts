import { performance } from 'node:perf_hooks';
import { cleanText } from '../src/teams/command-parser';
import { median, ms, verdict } from './stats';

const timeOf = (fn: () => unknown, runs: number): number => {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
};

/**
 * Hostile message text: 480 KB of repeated `<at` (38.7 s with the old mention pattern) against
 * 480 KB of ordinary words. Goal: the hostile text costs at most 5× the ordinary one (linear).
 */
export const benchEdge = (): void => {
  const size = 480 * 1024;
  const hostile = '<at'.repeat(Math.ceil(size / 3)).slice(0, size);
  const ordinary = 'status Teams Premium '.repeat(Math.ceil(size / 21)).slice(0, size);
  const mentions = '<at>Rollout</at> help '.repeat(Math.ceil(size / 22)).slice(0, size);
  const runs = 15;
  const tHostile = timeOf(() => cleanText(hostile), runs);
  const tOrdinary = timeOf(() => cleanText(ordinary), runs);
  const tMentions = timeOf(() => cleanText(mentions), runs);
  const ratio = tHostile / tOrdinary;
  console.log('\nedge — mention stripping of 480 KB of text (median of 15)');
  console.log(`  ordinary words:     ${ms(tOrdinary)}`);
  console.log(`  all mentions:       ${ms(tMentions)}`);
  console.log(
    `  repeated "<at":     ${ms(tHostile)}  (${ratio.toFixed(2)}× ordinary; goal ≤ 5×: ${verdict(ratio, 5, 'at-most')})`,
  );
  console.log('  (messages over 30,000 characters are refused before parsing; this is the parser alone)');
};
