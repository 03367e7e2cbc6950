// Generated message text for the search benchmark: English words and Chinese words drawn with
// Zipf frequencies (the n-th most common word about 1/n as often as the first), seeded, so every
// run has the same database. About 30% of messages are Chinese, written without spaces.

/** A small deterministic generator (mulberry32): the same seed, the same corpus. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const common = `the of and to a in is it you that he was for on are with as i his they be at one
have this from or had by hot word but what some we can out other were all there when up use your
how said an each she which do their time if will way about many then them write would like so
these her long make thing see him two has look more day could go come did number sound no most
people my over know water than call first who may down side been now find any new work part take
get place made live where after back little only round man year came show every good me give our
under name very through just form sentence great think say help low line differ turn cause much
mean before move right boy old too same tell does set three want air well also play small end put
home read hand port large spell add even land here must big high such follow act why ask men
change went light kind off need house picture try us again animal point mother world near build
self earth father head stand own page should country found answer school grow study still learn
plant cover food sun four between state keep eye never last let thought city tree cross farm hard
start might story saw far sea draw left late run while press close night real life few north open
seem together next white children begin got walk example ease paper group always music those both
mark often letter until mile river car feet care second book carry took science eat room friend
began idea fish mountain stop once base hear horse cut sure watch color face wood main enough
plain girl usual young ready above ever red list though feel talk bird soon body dog family direct
pose leave song measure door product black short numeral class wind question happen complete ship
area half rock order fire south problem piece told knew pass since top whole king space heard best
hour better true during hundred five remember step early hold west ground interest reach fast
verb sing listen six table travel less morning ten simple several vowel toward war lay against
pattern slow center love person money serve appear road map rain rule govern pull cold notice
voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star box
noun field rest correct able pound done beauty drive stood contain front teach week final gave
green oh quick develop ocean warm free minute strong special mind behind clear tail produce fact
street inch multiply nothing course stay wheel full force blue object decide surface deep moon
island foot system busy test record boat common gold possible plane stead dry wonder laugh
thousand ago ran check game shape equate miss brought heat snow tire bring yes distant fill east
paint language among deploy release meeting server database search index review merge branch`
  .split(/\s+/)
  .filter(Boolean);

const chinese =
  `我们 你们 他们 今天 明天 昨天 时间 工作 问题 公司 项目 会议 数据 系统 服务 用户 消息
聊天 发布 测试 代码 文件 图片 朋友 学习 中国 北京 上海 经济 市场 发展 技术 网络 手机 电脑
需要 可以 已经 没有 知道 觉得 开始 结束 计划 安排 讨论 报告 客户 产品 设计 团队 部署 服务器
数据库 搜索 索引 版本 分支 合并 审核 文档 邮件 电话 地址 价格 订单 支付 安全 密码 账号 登录
注册 设置 通知 提醒 日程 周末 早上 晚上 中午 下午 吃饭 咖啡 天气 下雨 出差 回家 休息 运动`
    .split(/\s+/)
    .filter(Boolean);

/** Made-up rare words, so the tail of the vocabulary is long as in real chat. */
const syllables = [
  "ka",
  "lo",
  "mi",
  "ra",
  "to",
  "ve",
  "zu",
  "ne",
  "pi",
  "sa",
  "do",
  "fe",
  "gu",
  "xi",
];
const made = (n: number) => {
  let word = "";
  for (let i = 0; i < 3 + (n % 3); i++)
    word += syllables[(n * 7 + i * 13 + (n >> i)) % syllables.length];
  return `${word}${n % 97}`;
};
const english = [...common, ...Array.from({ length: 20_000 }, (_, n) => made(n))];

/** Zipf: a rank in [0, size), rank r with weight 1 / (r + 1). */
function zipf(size: number, next: () => number): () => number {
  const weights = new Float64Array(size);
  let sum = 0;
  for (let r = 0; r < size; r++) {
    sum += 1 / (r + 1);
    weights[r] = sum;
  }
  return () => {
    const target = next() * sum;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((weights[mid] as number) < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

/** A generator of message texts: 4–24 words, English with spaces or Chinese without. */
export function corpus(seed = 1): () => string {
  const next = random(seed);
  const englishRank = zipf(english.length, next);
  const chineseRank = zipf(chinese.length, next);
  return () => {
    const words = 4 + Math.floor(next() * 20);
    const isChinese = next() < 0.3;
    const out: string[] = [];
    for (let i = 0; i < words; i++) {
      out.push(isChinese ? (chinese[chineseRank()] as string) : (english[englishRank()] as string));
    }
    return isChinese ? `${out.join("")}。` : `${out.join(" ")}.`;
  };
}

/** The queries the benchmark asks, one of each kind, with words that occur in the corpus. */
export const searchKinds = {
  "a common word": "the",
  "a rare word": made(17_000),
  "two words": "meeting server",
  "a phrase": '"of the"',
  "a prefix": "serv",
  "a two-character Chinese word": "聊天",
} as const;
