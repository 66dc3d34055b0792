import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseChatbotList, parseChatbotsFile } from '../../src/leads/chatbot-list.js';
import { templatePaths } from '../../src/export/output-template.js';

describe('chatbot lists', () => {
  it('-c values: CHATBOT in the -p project or PROJECT/CHATBOT; a repeat is kept once, where first named', () => {
    expect(parseChatbotList(['abc', '31/xyz', ' 12/abc ', 'def'], 12)).toEqual([
      { projectId: 12, chatbotId: 'abc' },
      { projectId: 31, chatbotId: 'xyz' },
      { projectId: 12, chatbotId: 'def' },
    ]);
  });

  it('with -p, a value that is not PROJECT/CHATBOT is a chatbot id, slashes and all', () => {
    expect(parseChatbotList(['a/b c', 'x/y/z'], 12)).toEqual([
      { projectId: 12, chatbotId: 'a/b c' },
      { projectId: 12, chatbotId: 'x/y/z' },
    ]);
  });

  it.each([
    [['abc'], undefined, 'for chatbot abc, or name it as PROJECT/abc'],
    [['x/abc'], undefined, '--chatbot "x/abc" is not PROJECT/CHATBOT (e.g. 12/abc); give --project for a chatbot id with a slash'],
    [[' '], 12, '--chatbot must not be empty'],
  ])('%j with -p %s: %s', (values, project, message) => {
    expect(() => parseChatbotList(values, project)).toThrow(UsageError);
    expect(() => parseChatbotList(values, project)).toThrow(message);
  });

  it('a file: blank lines and comments skipped, CRLF read, a malformed line named by number', () => {
    expect(parseChatbotsFile('# sites\r\n12/abc\r\n\r\n  31/xyz  # shop\r\n12/abc\n', 'f')).toEqual([
      { projectId: 12, chatbotId: 'abc' },
      { projectId: 31, chatbotId: 'xyz' },
    ]);
    expect(() => parseChatbotsFile('12/abc\n\nabc\n', 'list.txt')).toThrow('list.txt line 3: expected PROJECT/CHATBOT (e.g. 12/abc), got "abc"');
  });

  it('templates: ids percent-encoded, dots that would climb out escaped, two chatbots on one file refused', () => {
    const refs = [
      { projectId: 12, chatbotId: 'a b' },
      { projectId: 12, chatbotId: '..' },
      { projectId: 31, chatbotId: 'x%y' },
    ];
    expect(templatePaths('out/{project}/{chatbot}.csv', refs)).toEqual(['out/12/a%20b.csv', 'out/12/%2E%2E.csv', 'out/31/x%25y.csv']);
    expect(() => templatePaths('{chatbot}.csv', [{ projectId: 1, chatbotId: 'a' }, { projectId: 2, chatbotId: 'a' }])).toThrow(
      'gives 1/a and 2/a the same file',
    );
  });
});
