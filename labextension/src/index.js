// lawstudy-staff: the staff's JupyterLab (issue 17).
//
// - A lesson (a notebook under the lessons folder) or a fetched exam opens already run: once its kernel is ready,
//   all its cells run and its tab comes to the front, so its questions are live at once.
// - The start page (开始学习) takes the Launcher's place: it opens whenever the main area is empty
//   (the Launcher plugin is disabled for staff in page_config.json) and on `launcher:create`.
// - A menu 考试与作业 opens nbgrader's assignment list under that name, with its words in Chinese
//   (nbgrader's own English menu is disabled for staff).
// - Arrow keys move between a question's options and choose one (not taken by the notebook's shortcuts).
//
// No import of any JupyterLab package: everything goes through the application object, so the
// built bundle is small and does not depend on the exact JupyterLab 4 version.
// Build: `npm install && npm run build` in labextension/ (output in grader/labextension/).

const PLUGIN_ID = 'lawstudy-staff:plugin';
const LAUNCHER_PLUGIN = '@jupyterlab/launcher-extension:plugin';

function pageConfig() {
  const node = document.getElementById('jupyter-config-data');
  try {
    return node ? JSON.parse(node.textContent || '{}') : {};
  } catch (error) {
    return {};
  }
}

// nbgrader's assignment list, word for word in Chinese (exact texts of @jupyter/nbgrader 0.9).
const WORDS = {
  'Released, downloaded, and submitted assignments for course:': '考试与作业（已发布、已获取、已提交），课程：',
  'Loading, please wait...': '正在加载，请稍候……',
  'Released assignments': '已发布（点“获取”领取答卷）',
  'Downloaded assignments': '已获取（点名称展开，点答卷打开作答；答完点“提交”）',
  'Submitted assignments': '已提交',
  'There are no assignments to fetch.': '目前没有可获取的考试或作业。',
  'There are no downloaded assignments.': '尚未获取考试或作业。',
  'There are no submitted assignments.': '尚未提交过。',
  Fetch: '获取',
  'Fetching...': '正在获取……',
  Submit: '提交',
  'submitting...': '正在提交……',
  'Fetch Feedback': '获取成绩反馈',
  'Fetching Feedback...': '正在获取成绩反馈……',
  '(view feedback)': '（查看成绩反馈）',
  '(feedback available to fetch)': '（成绩反馈已发布，可获取）',
  'No courses found.': '没有找到课程。',
  'Error fetching assignment.': '获取失败，请稍后再试或联系培训管理员。',
  'Error submitting assignment.': '提交失败，请稍后再试或联系培训管理员。',
  'Error fetching feedback.': '获取成绩反馈失败，请稍后再试。',
  'Error fetching courses!': '无法读取课程列表，请稍后再试。',
  'Refresh assignments list': '刷新列表',
  Assignments: '考试与作业'
};

// Longer messages, by how they begin (their text may be split over lines).
const MESSAGES = [
  ['The exchange directory does not exist', '还没有发布过考试或作业（考试交换目录尚未建立）。如有疑问，请联系培训管理员。'],
  ['not be created. The "release"', ''],
  ['Please see the documentation', ''],
  ['http://nbgrader.readthedocs.io', ''],
  ['for instructions.', '']
];

function translate(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const changes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (Object.prototype.hasOwnProperty.call(WORDS, text)) {
      changes.push([node, node.nodeValue.replace(text, WORDS[text])]);
      continue;
    }
    const message = text && MESSAGES.find(([start]) => text.startsWith(start));
    if (message) {
      changes.push([node, message[1]]);
    }
  }
  for (const [node, value] of changes) {
    node.nodeValue = value;
  }
  for (const element of root.querySelectorAll('[title]')) {
    const title = element.getAttribute('title');
    if (Object.prototype.hasOwnProperty.call(WORDS, title)) {
      element.setAttribute('title', WORDS[title]);
    }
  }
}

function inChinese(widget) {
  if (widget.__lawstudyChinese) {
    return;
  }
  widget.__lawstudyChinese = true;
  widget.title.label = '考试与作业';
  translate(widget.node);
  new MutationObserver(() => translate(widget.node)).observe(widget.node, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['title']
  });
}

// nbgrader's Validate button beside each fetched notebook is an instructor's check: not for staff.
const STYLE = `
.nbgrader-mainarea-widget #fetched_assignments_list .nested_list_item .item_status button {
  display: none;
}
`;

function activate(app) {
  const style = document.createElement('style');
  style.id = 'lawstudy-staff-style';
  style.textContent = STYLE;
  document.head.appendChild(style);
  // Arrow keys and Space inside a question choose an option: JupyterLab's notebook shortcuts
  // (arrows move between cells) must not take them. Lumino skips shortcuts for any element
  // inside one marked data-lm-suppress-shortcuts.
  document.addEventListener(
    'focusin',
    event => {
      const question = event.target && event.target.closest && event.target.closest('.lawstudy-question');
      if (question && !question.hasAttribute('data-lm-suppress-shortcuts')) {
        question.setAttribute('data-lm-suppress-shortcuts', 'true');
      }
    },
    true
  );
  // ipywidgets' radio buttons are not one group for the browser (no shared name): arrow keys
  // would do nothing. Here an arrow key moves to the next (previous) option and chooses it, as
  // in any form; the click is what the widget listens to.
  document.addEventListener(
    'keydown',
    event => {
      const input = event.target;
      const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
      if (!step || !(input instanceof HTMLInputElement) || input.type !== 'radio') {
        return;
      }
      const box = input.closest('.lawstudy-question .widget-radio-box');
      if (!box) {
        return;
      }
      const radios = Array.from(box.querySelectorAll('input[type="radio"]')).filter(r => !r.disabled);
      const next = radios[(radios.indexOf(input) + step + radios.length) % radios.length];
      event.preventDefault();
      event.stopPropagation();
      if (next && next !== input) {
        next.focus();
        next.click();
      }
    },
    true
  );
  const config = pageConfig();
  const lessons = (config.lawstudyLessons || '课程').replace(/\/+$/, '') + '/';
  const startPage = config.lawstudyStartPage || '开始学习.md';
  const disabled = config.disabledExtensions || [];
  const { commands, shell } = app;
  const seen = new WeakSet();
  let opening = false;

  const openStartPage = async () => {
    if (opening) {
      return;
    }
    opening = true;
    try {
      return await commands.execute('docmanager:open', { path: startPage, factory: 'Markdown Preview' });
    } finally {
      opening = false;
    }
  };

  commands.addCommand('lawstudy:open-start-page', {
    label: '回到开始学习页（课程、考试、成绩反馈）',
    execute: openStartPage
  });
  commands.addCommand('lawstudy:open-exams', {
    label: '打开考试与作业列表（获取答卷、提交、查看成绩反馈）',
    isEnabled: () => commands.hasCommand('nbgrader:open-assignment-list'),
    execute: async () => {
      await commands.execute('nbgrader:open-assignment-list');
      const widget = Array.from(shell.widgets('main')).find(w => w.id === 'nbgrader-assignment-list');
      if (widget) {
        inChinese(widget);
      }
    }
  });
  // The Launcher is disabled for staff: whoever asks for one (the file browser when nothing is
  // open, a keyboard shortcut) gets the start page.
  if (disabled.includes(LAUNCHER_PLUGIN) && !commands.hasCommand('launcher:create')) {
    commands.addCommand('launcher:create', { label: '开始学习', execute: openStartPage });
  }

  // a lesson (under the lessons folder) or a fetched exam (EXAM_ID/exam.ipynb in the home folder)
  const isLesson = w =>
    w &&
    w.context &&
    w.content &&
    w.sessionContext &&
    typeof w.context.path === 'string' &&
    ((w.context.path.startsWith(lessons) && w.context.path.endsWith('.ipynb')) ||
      /^[^/]+\/exam\.ipynb$/.test(w.context.path));

  // `front`: a lesson the person just opened comes to the front at once; one restored with the
  // workspace when the page loads runs behind the page the address asked for (the start page).
  // Nothing is brought to the front later (when the kernel is ready the person may be elsewhere).
  const runLesson = async (widget, front) => {
    seen.add(widget);
    if (front) {
      shell.activateById(widget.id);
    }
    await widget.context.ready;
    await widget.sessionContext.ready;
    if (widget.isDisposed) {
      return;
    }
    // the notebook commands act on the notebook named by `widgetId` (else on the current one)
    const notebook = widget.content;
    const before = notebook.activeCellIndex;
    await commands.execute('notebook:run-all-cells', { widgetId: widget.id, activate: false });
    if (!widget.isDisposed) {
      // Run All leaves the last cell selected and in view: back to where the person was (the top)
      try {
        notebook.activeCellIndex = before;
        notebook.deselectAll();
        if (notebook.scrollToItem) {
          await notebook.scrollToItem(before, 'start');
        }
      } catch (error) {
        console.warn('lawstudy: scrolling back failed', error);
      }
      widget.node.classList.add('lawstudy-lesson-run');
      // saved as run: closing a lesson just opened asks nothing, and the start page counts it as opened
      await widget.context.save();
    }
  };

  const scan = front => {
    let empty = true;
    for (const widget of shell.widgets('main')) {
      empty = false;
      if (widget.id === 'nbgrader-assignment-list') {
        inChinese(widget);
      } else if (!seen.has(widget) && isLesson(widget)) {
        runLesson(widget, front).catch(error => console.warn('lawstudy: running the lesson failed', error));
      }
    }
    return empty;
  };

  app.restored.then(() => {
    if (scan(false)) {
      openStartPage();
    }
    shell.layoutModified.connect(() => {
      // after the change is complete (a tab closed, a document opened)
      setTimeout(() => {
        if (scan(true) && disabled.includes(LAUNCHER_PLUGIN)) {
          openStartPage();
        }
      }, 0);
    });
  });
}

export default [
  {
    id: PLUGIN_ID,
    description: 'The staff\'s JupyterLab: lessons open already run, the start page instead of the Launcher, a Chinese exams menu.',
    autoStart: true,
    activate
  }
];
