import { Body1, Caption1 } from '@fluentui/react-components';
import type { CommentView } from '../../../src/tab/api-types';
import { instantText } from '../format';

/** The latest comments; a name only where the person shared it (and the viewer is an admin). */
export const Comments = ({ comments, zone }: { comments: CommentView[]; zone: string }) => (
  <div className="comments" data-testid="comments">
    <h3 className="h3">Latest comments</h3>
    {comments.length === 0 ? (
      <Body1 as="p">No comments yet.</Body1>
    ) : (
      <ul className="plain">
        {comments.map((c, i) => (
          <li key={`${c.at}-${i}`} className="comment" data-testid="comment">
            <Caption1 as="p">
              <span aria-label={`Rating ${c.rating} of 5`}>{'★'.repeat(c.rating)}</span> · {c.stageLabel} ·{' '}
              {instantText(c.at, zone)}
              {c.name !== null ? ` · ${c.name}` : ''}
            </Caption1>
            <Body1 as="p">{c.comment}</Body1>
          </li>
        ))}
      </ul>
    )}
  </div>
);
