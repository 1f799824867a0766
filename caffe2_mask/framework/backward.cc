#include "caffe2_mask/framework/backward.h"

#include <algorithm>
#include <utility>

#include "caffe2_mask/core/proto_utils.h"
#include "registry/gradient.h"

namespace caffe2 {

namespace {
// A blob at one version: version v is what the v-th writer of the blob left (0: the net's input).
using VersionedBlob = std::pair<std::string, int>;

// Gradient parts for one versioned blob, in the order they were produced.
struct PendingGradient {
  std::vector<std::string> parts;
  bool finalized = false;
  // The blob holding the whole gradient once finalized.
  std::string name;
};

class GradientBuilder {
 public:
  explicit GradientBuilder(NetDef* net) : net_(net) {}

  std::map<std::string, std::string> Build(const std::vector<std::string>& seeds) {
    CAFFE_ENFORCE(!seeds.empty(), "the backward pass needs at least one blob to seed with a gradient");
    RecordVersions();
    const int forward_ops = net_->op_size();
    for (const auto& seed : seeds) {
      CAFFE_ENFORCE(produced_or_input(seed), "cannot seed the gradient of blob '", seed,
                    "': no operator of ", NetName(), " writes or reads it");
      const std::string grad = GradientMakerBase::GradientName(seed);
      gradient_ops_.push_back(CreateOperatorDef("ConstantFill", "", {seed}, {grad},
                                                {MakeArgument("value", 1.0f)}));
      gradient_ops_.back().set_is_gradient_op(true);
      AddPart({seed, current_version_[seed]}, grad);
    }
    for (int position = forward_ops - 1; position >= 0; --position) Backward(position);
    // What is left: gradients of the net's inputs (version 0) and of blobs no one consumed.
    for (auto& [blob, pending] : pending_) Finalize(blob, &pending);
    for (auto& op : gradient_ops_) *net_->add_op() = std::move(op);
    return gradient_names_;
  }

 private:
  std::string NetName() const { return net_->name().empty() ? "the net" : "net '" + net_->name() + "'"; }

  bool produced_or_input(const std::string& blob) const { return current_version_.count(blob) > 0; }

  void RecordVersions() {
    for (const auto& op : net_->op()) {
      std::vector<int> inputs, outputs;
      for (const auto& in : op.input()) inputs.push_back(current_version_[in]);
      for (const auto& out : op.output()) outputs.push_back(++current_version_[out]);
      input_versions_.push_back(std::move(inputs));
      output_versions_.push_back(std::move(outputs));
    }
  }

  void AddPart(const VersionedBlob& blob, const std::string& part) { pending_[blob].parts.push_back(part); }

  // Makes `<blob>_grad` the whole gradient of `blob`, summing its parts if there are several.
  void Finalize(const VersionedBlob& blob, PendingGradient* pending) {
    if (pending->finalized || pending->parts.empty()) return;
    pending->finalized = true;
    // A single part is the gradient under whatever name it has: a maker may pass an output gradient
    // straight through (SetDense(i, GO(j))) without an operator writing `<blob>_grad`.
    const std::string grad =
        pending->parts.size() == 1 ? pending->parts[0] : GradientMakerBase::GradientName(blob.first);
    pending->name = grad;
    if (pending->parts.size() > 1) {
      OperatorDef sum = CreateOperatorDef("Sum", "", pending->parts, {grad});
      sum.set_is_gradient_op(true);
      gradient_ops_.push_back(std::move(sum));
    }
    gradient_names_[blob.first] = grad;
  }

  void Backward(int position) {
    const OperatorDef& op = net_->op(position);
    std::vector<GradientWrapper> g_output(op.output_size());
    bool any = false;
    for (int j = 0; j < op.output_size(); ++j) {
      auto it = pending_.find({op.output(j), output_versions_[position][j]});
      if (it == pending_.end() || it->second.parts.empty()) continue;
      Finalize(it->first, &it->second);
      g_output[j].dense_ = it->second.name;
      any = true;
    }
    if (!any) return;  // no gradient reaches this operator

    GradientOpsMeta meta;
    try {
      meta = GetGradientForOp(op, g_output);
    } catch (EnforceNotMet& error) {
      error.AppendMessage(MakeString("while building the gradient of operator #", position, " ",
                                     OperatorSummary(op), " in ", NetName()));
      throw;
    }
    for (int i = 0; i < op.input_size() && i < static_cast<int>(meta.g_input_.size()); ++i) {
      const std::string& produced = meta.g_input_[i].dense_;
      if (produced.empty()) continue;
      const VersionedBlob blob{op.input(i), input_versions_[position][i]};
      auto& pending = pending_[blob];
      std::string part = produced;
      bool written_here = false;
      for (const auto& grad_op : meta.ops_) {
        for (const auto& out : grad_op.output()) written_here = written_here || out == produced;
      }
      // Only a part this maker's operators write can be renamed; a passed-through gradient keeps its name.
      if (!pending.parts.empty() && written_here) {
        // A second consumer's part: give it its own name so it does not overwrite the first.
        part = MakeString(GradientMakerBase::GradientName(op.input(i)), "_autosplit_", pending.parts.size());
        for (auto& grad_op : meta.ops_) {
          for (auto& out : *grad_op.mutable_output()) {
            if (out == produced) out = part;
          }
        }
      }
      pending.parts.push_back(part);
    }
    for (auto& grad_op : meta.ops_) gradient_ops_.push_back(std::move(grad_op));
  }

  NetDef* net_;
  std::map<std::string, int> current_version_;
  std::vector<std::vector<int>> input_versions_;
  std::vector<std::vector<int>> output_versions_;
  std::map<VersionedBlob, PendingGradient> pending_;
  std::vector<OperatorDef> gradient_ops_;
  std::map<std::string, std::string> gradient_names_;
};
}  // namespace

std::map<std::string, std::string> AddGradientOperators(NetDef* net,
                                                        const std::vector<std::string>& seed_blobs) {
  CAFFE_ENFORCE(net != nullptr, "AddGradientOperators needs a net");
  NetDef result = *net;
  auto names = GradientBuilder(&result).Build(seed_blobs);
  // Only a net whose whole backward pass was built is changed.
  *net = std::move(result);
  return names;
}

}  // namespace caffe2
