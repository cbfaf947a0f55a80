import { Badge } from '@fluentui/react-components';

const COLORS = { active: 'success', paused: 'warning', completed: 'informative' } as const;
const LABELS = { active: 'Active', paused: 'Paused', completed: 'Completed' } as const;

export const StatusBadge = ({ status }: { status: 'active' | 'paused' | 'completed' }) => (
  <Badge appearance="tint" color={COLORS[status]} data-testid="status-badge" data-status={status}>
    {LABELS[status]}
  </Badge>
);

export const GateBadge = ({ passes, met, total }: { passes: boolean; met: number; total: number }) => (
  <Badge
    appearance={passes ? 'filled' : 'tint'}
    color={passes ? 'success' : 'warning'}
    data-testid="gate-badge"
    data-passes={String(passes)}
  >
    {passes ? `Passes · ${met} of ${total} met` : `${met} of ${total} met`}
  </Badge>
);
