import {
  Body1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import type { DashboardResponse } from '../../../src/tab/api-types';
import { Scroll, Section } from './Section';
import { GateBadge } from './StatusBadge';

/** The current stage's exit criteria, each measured against its target. */
export const GateTable = ({ gate }: { gate: DashboardResponse['gate'] }) => {
  const met = gate.criteria.filter((c) => c.met).length;
  return (
    <Section
      testId="gate"
      title="Gate"
      actions={<GateBadge passes={gate.passes} met={met} total={gate.criteria.length} />}
    >
      {gate.criteria.length === 0 ? (
        <Body1 as="p">This stage has no exit criteria.</Body1>
      ) : (
        <Scroll label="Gate criteria">
          <Table aria-label="Gate criteria" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Criterion</TableHeaderCell>
                <TableHeaderCell>Measured</TableHeaderCell>
                <TableHeaderCell>Target</TableHeaderCell>
                <TableHeaderCell>Met</TableHeaderCell>
                <TableHeaderCell className="wide-text">Why</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {gate.criteria.map((c) => (
                <TableRow
                  key={c.id}
                  data-testid="gate-criterion"
                  data-criterion-id={c.id}
                  data-met={String(c.met)}
                >
                  <TableCell>{c.label}</TableCell>
                  <TableCell>{c.measured}</TableCell>
                  <TableCell>{c.target}</TableCell>
                  <TableCell>
                    <span className={c.met ? 'met' : 'not-met'}>
                      <span aria-hidden="true">{c.met ? '✓' : '✗'}</span> {c.met ? 'Met' : 'Not met'}
                    </span>
                  </TableCell>
                  <TableCell className="wide-text">{c.reason}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Scroll>
      )}
    </Section>
  );
};
