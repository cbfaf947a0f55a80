/** The data each template in `cards/` is expanded with. Template and type change together. */

export interface StatusCardData {
  rolloutId: string;
  name: string;
  status: string;
  currentPhase: string;
  createdBy: string;
  createdAt: string;
  enteredAt: string;
  timeline: { title: string; state: string; when: string }[];
  criteria: { icon: string; label: string; measured: string; target: string; reason: string }[];
  allMet: boolean;
  recent: { when: string; who: string; summary: string }[];
  hasRecent: boolean;
  canAdvance: boolean;
}

export interface ChecklistItemData {
  rolloutId: string;
  phase: string;
  waveId: string;
  itemId: string;
  text: string;
  state: string;
  actionTitle: string;
  nextDone: boolean;
}

export interface ChecklistCardData {
  rolloutId: string;
  name: string;
  stage: string;
  notice: string;
  hasNotice: boolean;
  editable: boolean;
  progress: string;
  sections: { title: string; progress: string; items: ChecklistItemData[] }[];
}

export interface ChooseRolloutCardData {
  prompt: string;
  choices: { name: string; id: string; detail: string; command: string; rolloutId: string; args: string }[];
}

export interface RolloutListCardData {
  title: string;
  empty: boolean;
  rollouts: { name: string; id: string; detail: string }[];
}

export interface NoticeCardData {
  title: string;
  text: string;
}

export interface CardDataMap {
  status: StatusCardData;
  checklist: ChecklistCardData;
  'choose-rollout': ChooseRolloutCardData;
  'rollout-list': RolloutListCardData;
  notice: NoticeCardData;
}

export type CardName = keyof CardDataMap;

export const CARD_NAMES: readonly CardName[] = [
  'status',
  'checklist',
  'choose-rollout',
  'rollout-list',
  'notice',
];
