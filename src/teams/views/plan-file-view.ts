/** The plan as a YAML file: exported, and the import form. */
import { defineCard } from '../render-card';
import type { PlanRef } from './plan-view';

export interface PlanExportCardData {
  name: string;
  yaml: string;
  revision: number;
}

export const planExportCard = defineCard<PlanExportCardData>()('plan-export');

export interface PlanImportCardData extends PlanRef {
  name: string;
  yaml: string;
  errors: string;
  hasErrors: boolean;
}

export const planImportCard = defineCard<PlanImportCardData>()('plan-import');
