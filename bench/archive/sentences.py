"""Extra sentences and headlines for the synthetic archive, written like real reporting.

The repository's own texts (the DeepSeek fixture, the demo site's articles) give ~100 English and
only ~20 Chinese sentences: too few for a search benchmark, where every word would be in half the
archive. These add the everyday sentences of AI-industry news (prices, funding, benchmarks,
regulation, quotes, corrections), in English and Chinese. Real names are written as names: the
generator finds them with the entity extractor and turns each into a slot that any article fills
with its own entities, so a sentence written about DeepSeek serves an article about Zhipu too.
Numbers and dates are varied per use.
"""

from __future__ import annotations

ENGLISH = [
    "DeepSeek said on Monday that it had cut the price of calling DeepSeek-V3 through its API by "
    "50 percent for developers.",
    "The company did not respond to a request for comment on the report.",
    "Liang Wenfeng, the company’s founder, told reporters in Hangzhou that the team would "
    "focus on research rather than short-term revenue.",
    "Qwen2.5-Max is available through an application programming interface priced at 2.4 yuan "
    "per million input tokens.",
    "Analysts said the move would put further pressure on smaller rivals that lack the cash to "
    "subsidise cheap access.",
    "The model was trained on 14.8 trillion tokens, according to a technical report posted on "
    "the company’s website.",
    "Moonshot AI was valued at about $3.3 billion in its most recent funding round, which was led "
    "by Alibaba.",
    "Export controls introduced by Washington in October 2022 restrict the sale of advanced "
    "chips from Nvidia to Chinese customers.",
    "Engineers at Zhipu AI said the new release improves performance on coding, mathematics and "
    "long-document question answering.",
    "The startup now employs about 160 people, most of them recent graduates of Tsinghua "
    "University and Peking University.",
    "Baidu said its ERNIE assistant had more than 430 million users at the end of the quarter.",
    "Investors have poured money into the sector, betting that one or two Chinese labs will "
    "emerge as national champions.",
    "The weights are released under a permissive licence that allows commercial use, the "
    "company said.",
    "On the MMLU benchmark, the model scored 88.5, compared with 87.2 for GPT-4o, the company "
    "said in a blog post.",
    "Independent researchers cautioned that benchmark scores reported by developers are hard to "
    "verify.",
    "ByteDance has been the most aggressive spender, with capital expenditure on AI "
    "infrastructure expected to exceed 150 billion yuan this year.",
    "Tencent said its Hunyuan model now powers features in WeChat, its games business and its "
    "cloud platform.",
    "The release comes weeks after OpenAI launched o1, a model that spends more time reasoning "
    "before it answers.",
    "Kai-Fu Lee said in an interview that Chinese start-ups must become efficient because they "
    "cannot match the budgets of American rivals.",
    "Regulators in Beijing require generative AI services to be registered before they are "
    "offered to the public.",
    "The Cyberspace Administration has approved more than 180 generative AI services since the "
    "rules took effect in August 2023.",
    "MiniMax said its Hailuo AI video generator had attracted users in more than 150 countries.",
    "The company plans to open an office in Singapore to serve international customers, "
    "according to a person familiar with the matter.",
    "Developers on Hugging Face downloaded the new checkpoints more than 700,000 times in the "
    "first week.",
    "The lab published the model’s weights, its training code and a detailed technical report.",
    "Some researchers questioned whether the reported training cost of $5.6 million included the "
    "price of earlier experiments.",
    "Huawei has positioned its Ascend chips as a domestic alternative to Nvidia hardware for "
    "training large models.",
    "The model supports a context window of 128,000 tokens and can call external tools.",
    "StepFun said Step-2 had been trained on a cluster of several thousand accelerators in "
    "Shanghai.",
    "Alibaba Cloud said more than 90,000 enterprises had deployed models from the Qwen family.",
    "The announcement lifted shares of several Chinese chipmakers and cloud providers in "
    "afternoon trading.",
    "Critics say the rapid price cuts have turned large language models into a commodity and "
    "made profits elusive.",
    "Yang Zhilin said the company would keep investing in long-context reasoning and agents.",
    "The company said the new version reduced hallucinations and followed instructions more "
    "reliably.",
    "The Financial Times first reported the talks, citing people familiar with the matter.",
    "Robin Li told analysts on an earnings call that inference costs had fallen by more than 90 "
    "percent in a year.",
    "The group said it would release smaller versions of the model that can run on laptops and "
    "phones.",
    "Sam Altman has said that OpenAI is watching Chinese open-weight releases closely.",
    "The benchmark, which tests graduate-level science questions, has become a common yardstick "
    "for reasoning models.",
    "Jensen Huang said demand for Nvidia chips in China remained strong despite the restrictions.",
    "A spokesperson for Baichuan declined to comment on the company’s fundraising.",
    "The open-source community has produced hundreds of fine-tuned variants of DeepSeek-R1 "
    "within weeks of its release.",
    "Chinese universities, including Zhejiang University, have added courses on large models to "
    "their computer-science programmes.",
    "The lab said it had used reinforcement learning without supervised fine-tuning in the first "
    "stage of training.",
    "iFlytek said its Spark model had been trained entirely on domestic computing hardware.",
    "SenseTime reported that revenue from its generative AI business grew 103 percent from a "
    "year earlier.",
    "Kuaishou said its Kling video model had generated more than 37 million videos since its "
    "launch.",
    "The company said it had built its own distributed training framework to use its chips more "
    "efficiently.",
    "Industry executives expect a consolidation in which only a handful of model developers "
    "survive.",
    "Meta’s Llama models remain popular with Chinese developers, who often use them as a base "
    "for fine-tuning.",
    "The Beijing Academy of Artificial Intelligence published an evaluation that ranked the "
    "model among the top five open systems.",
    "Some enterprise customers said they were waiting for independent security reviews before "
    "adopting the model.",
    "The company raised 5 billion yuan in a round that included state-backed investors, "
    "according to corporate registration records.",
    "Google DeepMind and Anthropic have also released models that use extended reasoning at "
    "inference time.",
    "The price war began in May 2024, when several cloud providers slashed prices within days "
    "of each other.",
    "Microsoft made the model available on its Azure cloud platform for customers outside China.",
    "The company said its app had 30 million daily active users in December.",
    "Observers noted that the release was timed to coincide with the World Artificial "
    "Intelligence Conference in Shanghai.",
    "The team said it had reduced the memory needed for inference by compressing the "
    "attention cache.",
    "Users on social media praised the model’s writing in Chinese but noted errors in "
    "complex arithmetic.",
]

CHINESE = [
    "深度求索周一宣布，DeepSeek-V3的接口调用价格下调50%，新价格即日起生效。",
    "公司方面未回应记者的置评请求。",
    "梁文锋在杭州接受采访时表示，团队将专注于基础研究，而不是短期商业化。",
    "据了解，该模型的训练数据超过14.8万亿个词元，技术报告已在官网公开。",
    "月之暗面在最新一轮融资中估值约33亿美元，本轮融资由阿里巴巴领投。",
    "分析人士认为，价格战将进一步挤压中小模型公司的生存空间。",
    "智谱表示，新版本在代码生成、数学推理和长文本问答等任务上均有明显提升。",
    "该公司目前约有160名员工，大多毕业于清华大学和北京大学。",
    "百度在财报中披露，文心一言的用户规模已超过4.3亿。",
    "业内普遍认为，未来能够持续投入基础模型研发的公司不会超过五家。",
    "该模型采用宽松的开源许可证，允许商业使用。",
    "在多项公开评测中，该模型的得分超过了GPT-4o，但仍落后于o1。",
    "有研究人员提醒，模型厂商自行公布的评测成绩难以独立验证。",
    "字节跳动今年在人工智能基础设施上的资本开支预计将超过1500亿元。",
    "腾讯表示，混元大模型已接入微信、游戏和云服务等多项业务。",
    "李开复在接受采访时说，中国创业公司必须把效率做到极致，因为预算无法与美国同行相比。",
    "根据相关规定，生成式人工智能服务在向公众提供前需要完成备案。",
    "截至目前，已有超过180款生成式人工智能服务完成备案。",
    "稀宇科技表示，海螺AI的视频生成功能已覆盖全球150多个国家和地区的用户。",
    "据知情人士透露，该公司计划在新加坡设立办公室，以服务海外客户。",
    "新模型发布首周，在Hugging Face上的下载量就超过了70万次。",
    "该实验室同时公开了模型权重、训练代码和详细的技术报告。",
    "也有业内人士质疑，外界流传的560万美元训练成本并未包括前期实验的开支。",
    "华为将昇腾芯片定位为训练大模型的国产替代方案。",
    "该模型支持12.8万词元的上下文窗口，并可以调用外部工具。",
    "阶跃星辰表示，Step-2是在上海的数千张加速卡组成的集群上完成训练的。",
    "阿里云称，已有超过9万家企业部署了通义千问系列模型。",
    "消息公布后，多家芯片和云计算公司的股价在午后交易中走高。",
    "批评者认为，接连不断的降价让大模型变成了同质化商品，盈利遥遥无期。",
    "杨植麟表示，公司将继续在长文本推理和智能体方向加大投入。",
    "公司称，新版本显著减少了幻觉问题，对指令的遵循也更加稳定。",
    "李彦宏在财报电话会上表示，过去一年推理成本下降了90%以上。",
    "该团队表示，将陆续发布可在笔记本电脑和手机上运行的小尺寸模型。",
    "黄仁勋表示，尽管存在出口限制，英伟达芯片在中国的需求依然强劲。",
    "百川智能的发言人对融资传闻不予置评。",
    "DeepSeek-R1发布后的几周内，开源社区就出现了数百个基于它微调的版本。",
    "包括浙江大学在内的多所高校已开设大模型相关课程。",
    "科大讯飞表示，讯飞星火大模型完全基于国产算力平台训练。",
    "商汤科技财报显示，生成式人工智能业务收入同比增长103%。",
    "快手表示，可灵AI上线以来累计生成视频超过3700万个。",
    "该公司自研了分布式训练框架，以提高算力的利用效率。",
    "多位投资人预计，大模型行业将迎来一轮洗牌，只有少数公司能够存活下来。",
    "北京智源人工智能研究院发布的评测显示，该模型在开源模型中排名前五。",
    "部分企业客户表示，将等待独立的安全评估结果后再决定是否采用。",
    "工商信息显示，该公司完成了50亿元融资，投资方包括多家国资背景的基金。",
    "去年5月，多家云厂商在几天之内相继大幅下调大模型价格，价格战由此开始。",
    "该公司的应用在12月的日活跃用户数达到3000万。",
    "有观察人士指出，此次发布恰好赶在上海举办的世界人工智能大会前夕。",
    "团队表示，通过压缩注意力缓存，推理所需的显存减少了一半以上。",
    "不少网友称赞该模型的中文写作能力，但也指出它在复杂计算上仍会出错。",
    "据36氪报道，该公司正在与多家投资机构洽谈新一轮融资。",
    "记者注意到，该模型在发布当天就登上了应用商店免费榜的前列。",
    "该公司首席技术官表示，下一代模型将重点提升多模态理解和工具调用能力。",
    "有开发者测试后认为，该模型在代码补全任务上的表现已接近国际一流水平。",
    "与上一代相比，新模型的推理速度提升了3倍，调用成本下降了60%。",
    "多家券商研报指出，大模型应用的商业化正在从互联网行业向制造、金融等领域扩展。",
    "在发布会上，公司还展示了基于新模型开发的智能体产品。",
    "据悉，新模型采用混合专家架构，总参数量达到6710亿，每次推理激活约370亿参数。",
    "截至发稿，相关话题在社交媒体上的阅读量已超过2亿次。",
    "业内人士表示，开源模型的快速进步正在改变企业采购大模型服务的方式。",
]

# Headlines: every one names at least one organisation; a model or person where it fits.
ENGLISH_TITLES = [
    "DeepSeek releases DeepSeek-R1, says it rivals OpenAI’s o1 at a fraction of the cost",
    "Alibaba unveils Qwen2.5-Max as Chinese AI price war deepens",
    "Moonshot AI’s Kimi 1.5 joins the race for reasoning models",
    "Zhipu AI bets on open weights with new GLM models",
    "MiniMax open-sources MiniMax-01 with four-million-token context",
    "Baidu makes ERNIE free as competition heats up",
    "ByteDance cuts Doubao prices again, pressuring rivals",
    "Tencent expands Hunyuan across WeChat and its cloud",
    "How DeepSeek changed the economics of Chinese AI",
    "Liang Wenfeng: the reclusive founder behind DeepSeek",
    "StepFun raises new funding as investors pick AI winners",
    "Inside Alibaba’s bet on open-source Qwen models",
    "Chinese AI labs race to release reasoning models after DeepSeek-R1",
    "Nvidia export curbs push Huawei chips into AI training",
    "Kai-Fu Lee says 01.AI will focus on smaller, cheaper models",
    "Yang Zhilin on long context, agents and the future of Kimi",
    "Baichuan narrows focus to healthcare as funding tightens",
    "iFlytek says Spark was trained entirely on domestic chips",
    "SenseTime’s generative AI revenue more than doubles",
    "Kuaishou’s Kling takes on Sora in AI video generation",
    "Benchmarks show Qwen2.5-Max ahead of DeepSeek-V3, but questions remain",
    "Why Chinese open-weight models are winning over developers on Hugging Face",
    "MiniMax’s Hailuo AI finds users abroad",
    "Robin Li says inference costs fell more than 90 percent in a year",
    "Regulators approve another batch of generative AI services in Beijing",
]

CHINESE_TITLES = [
    "深度求索发布DeepSeek-R1 推理能力比肩o1",
    "阿里发布Qwen2.5-Max 大模型价格战再升级",
    "月之暗面推出Kimi 1.5 加入推理模型竞赛",
    "智谱开源新一代GLM模型",
    "稀宇科技开源MiniMax-01 支持四百万词元上下文",
    "百度宣布文心一言全面免费",
    "字节跳动再次下调豆包大模型价格",
    "腾讯混元大模型全面接入微信",
    "梁文锋：深度求索背后的低调创始人",
    "阶跃星辰完成新一轮融资",
    "李开复：零一万物将专注更小更便宜的模型",
    "杨植麟谈长文本、智能体与Kimi的未来",
    "科大讯飞：讯飞星火完全基于国产算力训练",
    "商汤科技生成式人工智能收入翻倍",
    "快手可灵AI视频生成用户突破千万",
    "国产开源大模型为何受到全球开发者青睐",
    "李彦宏：一年内推理成本下降九成",
    "华为昇腾芯片加速进入大模型训练市场",
    "大模型价格战之后，谁能率先盈利",
    "百川智能聚焦医疗大模型",
]

# Wording an edit can change without changing the story: (old, new), applied to one sentence.
ENGLISH_TWEAKS = [
    ("said", "says"),
    ("percent", "per cent"),
    ("about", "around"),
    ("more than", "over"),
    ("company", "firm"),
    ("model", "system"),
    ("released", "launched"),
    (" the ", " its "),
]
CHINESE_TWEAKS = [
    ("表示", "称"),
    ("超过", "逾"),
    ("公司", "企业"),
    ("发布", "推出"),
    ("目前", "当前"),
    ("已经", "已"),
    ("明显", "显著"),
    ("，", "；"),
]
ENGLISH_CORRECTIONS = [
    "Correction: An earlier version of this article misstated the size of DeepSeek’s funding "
    "round.",
    "Correction: An earlier version of this article gave the wrong date for the release of "
    "Qwen2.5-Max.",
    "Correction: An earlier version of this article misspelled the name of Liang Wenfeng.",
    "Update: Alibaba said after publication that the model would also be offered in Europe.",
    "Correction: An earlier version of this article misstated the number of parameters in "
    "DeepSeek-V3.",
]
CHINESE_CORRECTIONS = [
    "更正：本文此前版本中深度求索的融资金额有误，现已更正。",
    "更正：本文此前版本误写了Qwen2.5-Max的发布日期，现已更正。",
    "更新：阿里巴巴在本文发布后表示，该模型也将向海外用户开放。",
    "更正：本文此前版本中梁文锋的职务表述有误，特此更正。",
]
