import {
  Body1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import type { AnnouncementReach } from '../../../src/tab/api-types';
import { instantText } from '../format';
import { Scroll, Section } from './Section';

const COLUMNS = [
  ['recipients', 'Recipients'],
  ['sent', 'Sent'],
  ['gotIt', 'Got it'],
  ['failed', 'Failed'],
  ['blocked', 'Blocked'],
  ['notInstalled', 'Not installed'],
  ['pending', 'Pending'],
] as const;

/** How far each announcement reached. */
export const Announcements = ({ items, zone }: { items: AnnouncementReach[]; zone: string }) => (
  <Section testId="announcements" title="Announcements">
    {items.length === 0 ? (
      <Body1 as="p">No announcements sent yet.</Body1>
    ) : (
      <Scroll label="Announcement reach">
        <Table aria-label="Announcement reach" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Stage</TableHeaderCell>
              <TableHeaderCell>Created</TableHeaderCell>
              <TableHeaderCell>State</TableHeaderCell>
              {COLUMNS.map(([key, text]) => (
                <TableHeaderCell key={key}>{text}</TableHeaderCell>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((a) => (
              <TableRow key={a.id} data-testid="announcement" data-announcement-id={a.id}>
                <TableCell>{a.stageLabel}</TableCell>
                <TableCell>{instantText(a.createdAt, zone)}</TableCell>
                <TableCell>{a.state}</TableCell>
                {COLUMNS.map(([key]) => (
                  <TableCell key={key} data-column={key}>
                    {a[key]}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Scroll>
    )}
  </Section>
);
