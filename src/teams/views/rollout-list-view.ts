/** The cards that list rollouts: all of a conversation's, or the ones to choose from. */
import { defineCard } from '../render-card';

export interface ChooseRolloutCardData {
  prompt: string;
  choices: { name: string; id: string; detail: string; command: string; rolloutId: string; args: string }[];
}

/** The rollouts a command could be about: each button re-runs it for one. */
export const chooseRolloutCard = defineCard<ChooseRolloutCardData>()('choose-rollout');

export interface RolloutListCardData {
  title: string;
  empty: boolean;
  rollouts: { name: string; id: string; detail: string }[];
}

/** `rollout list`: the conversation's (or the tenant's) rollouts. */
export const rolloutListCard = defineCard<RolloutListCardData>()('rollout-list');
